package io.edgeward.core.telemetry;

import java.util.List;

/** A decoded message: the valid points and the refusals, both possibly empty. */
public record Decoded(List<Point> points, List<Rejection> rejections) {

    public Decoded {
        points = List.copyOf(points);
        rejections = List.copyOf(rejections);
    }

    public static Decoded refused(RejectReason reason, String detail) {
        return new Decoded(List.of(), List.of(new Rejection(reason, detail)));
    }
}

package io.edgeward.core.telemetry;

import java.util.List;

/**
 * The outcome of one message: how many points were durably stored and what was refused.
 * A message with both stored points and rejections was partly accepted.
 */
public record IngestResult(int stored, List<Rejection> rejections) {

    public IngestResult {
        rejections = List.copyOf(rejections);
    }

    public boolean fullyAccepted() {
        return rejections.isEmpty();
    }

    /** One line for a protocol's reason string: counts and the first refusals. */
    public String summary() {
        if (rejections.isEmpty()) {
            return "stored " + stored + " point(s)";
        }
        StringBuilder text = new StringBuilder("stored ")
                .append(stored)
                .append(" point(s), refused ")
                .append(rejections.size())
                .append(": ");
        for (int i = 0; i < Math.min(3, rejections.size()); i++) {
            if (i > 0) {
                text.append("; ");
            }
            text.append(rejections.get(i));
        }
        if (rejections.size() > 3) {
            text.append("; ...");
        }
        return text.toString();
    }

    /** The most significant reason, for protocols that can report only one. */
    public RejectReason primaryReason() {
        return rejections.stream()
                .map(Rejection::reason)
                .filter(r -> r == RejectReason.TOO_LARGE)
                .findFirst()
                .orElse(rejections.isEmpty() ? null : rejections.get(0).reason());
    }
}

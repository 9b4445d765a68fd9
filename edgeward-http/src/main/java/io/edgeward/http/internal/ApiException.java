package io.edgeward.http.internal;

/** A request the API refuses with a specific status and problem type. */
public final class ApiException extends RuntimeException {

    private final Problem problem;

    public ApiException(int status, String type, String title, String detail) {
        super(detail);
        this.problem = Problem.of(status, type, title, detail);
    }

    public ApiException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "bad-request", "Bad request", detail);
    }

    /**
     * Counts a failed authentication from the request's address and throws 429 (with {@code
     * Retry-After}) once that address has failed too often; {@code what} names what was wrong.
     */
    public static void throttleFailure(
            io.javalin.http.Context ctx, io.edgeward.core.device.FailedAuthentications failed, String what) {
        java.time.Duration delay = failed.failed(ctx.ip(), null);
        if (!delay.isZero()) {
            long seconds = Math.max(1, delay.toSeconds());
            ctx.header("Retry-After", Long.toString(seconds));
            throw new ApiException(
                    429,
                    "too-many-failed-authentications",
                    "Too many failed authentications",
                    "too many wrong " + what + " from this address; retry after " + seconds + " s");
        }
    }

    public Problem problem() {
        return problem;
    }
}

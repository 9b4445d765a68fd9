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

    public Problem problem() {
        return problem;
    }
}

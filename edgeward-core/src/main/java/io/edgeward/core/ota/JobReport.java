package io.edgeward.core.ota;

/**
 * A device's word on its job ({@code device/{id}/ota/progress}, CoAP {@code /firmware/progress},
 * hawkBit feedback): the state it reached, how far, and why it failed.
 */
public record JobReport(String jobId, JobStatus status, Integer progress, String reason) {

    public JobReport {
        if (jobId == null || jobId.isBlank() || jobId.length() > 64) {
            throw new IllegalArgumentException("job_id is required (at most 64 characters)");
        }
        if (status == null || !status.reportable()) {
            throw new IllegalArgumentException(
                    "status must be one of pending, downloading, verifying, installing, completed, failed, rolled_back");
        }
        if (progress != null && (progress < 0 || progress > 100)) {
            throw new IllegalArgumentException("progress must be 0 to 100");
        }
    }
}

package io.edgeward.core.ota;

import io.edgeward.core.device.DeviceId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Rollouts and their device jobs (a port; the store implements it). */
public interface RolloutRepository {

    /** Adds the rollout and its jobs, in one transaction. */
    void insert(Rollout rollout, List<DeviceJob> jobs);

    /** Adds jobs to a rollout (devices that joined a dynamic rollout's group). */
    void addJobs(List<DeviceJob> jobs);

    Optional<Rollout> find(String id);

    /** Newest first, at most {@code limit}. */
    List<Rollout> list(int limit);

    /** Rollouts that are not finished or canceled. */
    List<Rollout> unfinished();

    /** Writes the rollout's status, wave, reason and time. */
    void update(Rollout rollout);

    Optional<DeviceJob> job(String id);

    /** The rollout's jobs in the state given (all when null), by wave then device, after the device {@code after}. */
    List<DeviceJob> jobs(String rolloutId, JobStatus status, int limit, DeviceId after);

    /** Jobs of the device, newest first. */
    List<DeviceJob> jobsOf(DeviceId device, int limit);

    /** The device's job that is offered and not over, if any. */
    Optional<DeviceJob> activeJob(DeviceId device);

    /** Writes the job's state, progress, reason, times and deadline. */
    void update(DeviceJob job);

    /** As {@link #update(DeviceJob)} for each job, in one transaction. */
    void updateAll(List<DeviceJob> jobs);

    /** How many jobs of the rollout are in each state, by wave. */
    Map<Integer, Map<JobStatus, Integer>> counts(String rolloutId);

    /** Offered jobs whose deadline passed before {@code now}, at most {@code limit}. */
    List<DeviceJob> expired(Instant now, int limit);

    /** Of {@code devices}, those with a job that is not over, in any rollout. */
    Set<DeviceId> busy(Collection<DeviceId> devices);

    /** Devices that have a job in the rollout. */
    Set<DeviceId> devicesOf(String rolloutId);

    /**
     * The job's number for hawkBit DDI clients, given on first use (the largest so far plus one) and
     * kept; they read it as a 32-bit integer.
     */
    long actionId(String jobId);

    /** The job of a DDI action number. */
    Optional<DeviceJob> jobOfAction(long actionId);

    /** The device's newest canceled job that a DDI client saw (it has an action number) and has not acknowledged. */
    Optional<DeviceJob> unacknowledgedCancel(DeviceId device);

    /** The DDI client acknowledged the job's cancel. */
    void acknowledgeCancel(String jobId);

    /** Whether a rollout that is not finished or canceled offers the release. */
    boolean firmwareInUse(String firmwareId);
}

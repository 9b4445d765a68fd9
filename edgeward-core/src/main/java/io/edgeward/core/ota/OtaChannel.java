package io.edgeward.core.ota;

/**
 * Port: how a device hears of its job. A device that polls (hawkBit DDI) needs none; one on MQTT is
 * sent a notification that stays there until the job ends.
 */
public interface OtaChannel {

    /**
     * The job is offered: tell the device what to fetch and how to check it.
     *
     * @param delta a delta from the version the device runs, or null
     */
    void offer(DeviceJob job, Firmware firmware, FirmwareDelta delta);

    /** The job is over (or canceled): the device is told nothing more about it. */
    void withdraw(DeviceJob job);

    OtaChannel NONE = new OtaChannel() {
        @Override
        public void offer(DeviceJob job, Firmware firmware, FirmwareDelta delta) {}

        @Override
        public void withdraw(DeviceJob job) {}
    };
}

/**
 * The device side: {@link io.edgeward.device.PlatformClient} (REST provisioning) and the
 * {@link io.edgeward.device.Simulator}, which is both a demo fleet and the benchmark's load generator.
 */
package io.edgeward.device;

package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandService;
import io.edgeward.core.command.CommandSettings;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.command.CommandTransport;
import io.edgeward.core.command.NewCommand;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import io.edgeward.core.device.Presence;
import io.edgeward.core.lifecycle.Threads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CommandService} over a real SQLite store, with transports that stand for slow and quick devices. */
class CommandServiceTest {

    static final DeviceId SLOW = DeviceId.of("slow-device");

    @TempDir
    Path dir;

    SqlStore store;
    Presence presence;
    CommandService commands;
    final CompletableFuture<Boolean> slowSend = new CompletableFuture<>();
    final List<String> sentTo = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        store = Stores.started(StoreSettings.embedded(dir));
        presence = new Presence(store.devices(), Duration.ofSeconds(1), Threads.named("test"));
        presence.start();
        CommandTransport transport = (device, document) -> {
            sentTo.add(device.value());
            // The slow device's session never takes the command within this test.
            return device.equals(SLOW) ? slowSend : CompletableFuture.completedFuture(true);
        };
        commands = new CommandService(
                store.commands(),
                store.devices(),
                presence,
                new CommandSettings(Duration.ofHours(1), CommandSettings.DEFAULT_SWEEP),
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                Threads.named("test"));
        commands.addTransport(transport);
    }

    @AfterEach
    void close() {
        slowSend.complete(false);
        commands.close();
        presence.close();
        store.close();
    }

    @Test
    void slowDevice_doesNotHoldUpAnotherDevice_evenOneThatSharedItsLockStripe() {
        // Before the lanes, devices whose hash fell on the same of 64 lock stripes waited for each other.
        DeviceId quick = sameStripeAs(SLOW);
        connect(SLOW);
        connect(quick);
        CompletableFuture.runAsync(() -> commands.submit(SLOW, command("reboot")));
        await().atMost(Duration.ofSeconds(5)).until(() -> sentTo.contains(SLOW.value()));

        CompletableFuture<Command> quickCommand =
                CompletableFuture.supplyAsync(() -> commands.submit(quick, command("blink")));

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
            assertThat(quickCommand).as("the quick device's submission").isDone();
            assertThat(commands.get(quick, quickCommand.join().id()).status()).isEqualTo(CommandStatus.SENT);
        });
        assertThat(store.commands().list(SLOW, 10, null))
                .singleElement()
                .extracting(Command::status)
                .isEqualTo(CommandStatus.SENT);
    }

    @Test
    void commandsToOneDevice_leaveInTheOrderTheyWereAccepted_andWaitBehindASlowOne() {
        connect(SLOW);
        Command first = commands.submit(SLOW, command("first"));
        Command second = commands.submit(SLOW, command("second"));
        await().atMost(Duration.ofSeconds(5)).until(() -> sentTo.size() == 1);
        assertThat(commands.get(SLOW, second.id()).status()).isEqualTo(CommandStatus.QUEUED);

        // The device's session takes the first at last: only now does the second go.
        slowSend.complete(true);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(commands.get(SLOW, first.id()).status()).isEqualTo(CommandStatus.SENT);
            assertThat(commands.get(SLOW, second.id()).status()).isEqualTo(CommandStatus.SENT);
        });
        assertThat(sentTo).containsExactly(SLOW.value(), SLOW.value());
    }

    @Test
    void commandToAnIdleConnectedDevice_isStoredAsSent_withItsDeadline_andSent() {
        DeviceId quick = DeviceId.of("quick-device");
        connect(quick);

        Command submitted = commands.submit(quick, command("blink"));

        assertThat(submitted.status()).isEqualTo(CommandStatus.SENT);
        Command stored = commands.get(quick, submitted.id());
        assertThat(stored.status()).isEqualTo(CommandStatus.SENT);
        assertThat(stored.sentAt()).isNotNull();
        assertThat(stored.responseDeadline()).isEqualTo(stored.sentAt().plus(Duration.ofSeconds(30)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sentTo.contains(quick.value()));

        // An offline device's command waits in the queue, unsent.
        DeviceId offline = DeviceId.of("offline-device");
        StoreContractTest.registry(store, 0).register(NewDevice.of(offline, DeviceType.ACTUATOR));
        Command queued = commands.submit(offline, command("blink"));
        assertThat(commands.get(offline, queued.id()).status()).isEqualTo(CommandStatus.QUEUED);
        assertThat(commands.get(offline, queued.id()).sentAt()).isNull();
    }

    private void connect(DeviceId device) {
        StoreContractTest.registry(store, 0).register(NewDevice.of(device, DeviceType.ACTUATOR));
        presence.connected(device);
    }

    private static NewCommand command(String type) {
        return new NewCommand(type, Map.of(), Duration.ofSeconds(30), null, null);
    }

    private static DeviceId sameStripeAs(DeviceId device) {
        for (int i = 0; ; i++) {
            DeviceId candidate = DeviceId.of("quick-" + i);
            if (Math.floorMod(candidate.hashCode(), 64) == Math.floorMod(device.hashCode(), 64)) {
                return candidate;
            }
        }
    }
}

package io.edgeward.store.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.command.Command;
import io.edgeward.core.command.CommandRepository;
import io.edgeward.core.command.CommandStatus;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.device.DeviceType;
import io.edgeward.core.device.NewDevice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link CommandRepository}; every dialect runs it. */
abstract class CommandStoreContract {

    static final DeviceId DEV = DeviceId.of("dev-1");
    static final Instant T0 = Instant.ofEpochMilli(1_760_000_000_000L);

    SqlStore store;
    CommandRepository commands;

    abstract SqlStore openStore() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = openStore();
        commands = store.commands();
        StoreContractTest.registry(store, 0).register(NewDevice.of(DEV, DeviceType.ACTUATOR));
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    static Command queued(String id, String key, Instant expires) {
        return new Command(
                id,
                DEV,
                "set_temperature",
                Map.of("temperature", 22.5),
                CommandStatus.QUEUED,
                null,
                key,
                Duration.ofSeconds(10),
                T0,
                expires,
                null,
                null,
                null,
                null);
    }

    @Test
    void insert_thenFind_returnsEveryField() {
        assertThat(commands.insert(queued("c-1", "k-1", T0.plusSeconds(60)))).isTrue();
        Command found = commands.find("c-1").orElseThrow();
        assertThat(found.device()).isEqualTo(DEV);
        assertThat(found.parameters()).containsEntry("temperature", 22.5);
        assertThat(found.status()).isEqualTo(CommandStatus.QUEUED);
        assertThat(found.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(found.createdAt()).isEqualTo(T0);
        assertThat(found.expiresAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(found.sentAt()).isNull();
        assertThat(commands.findByIdempotencyKey(DEV, "k-1"))
                .hasValueSatisfying(c -> assertThat(c.id()).isEqualTo("c-1"));
    }

    @Test
    void withQueued_namesOnlyTheDevicesThatHaveAQueuedCommand_overManyChunks() {
        DeviceId idle = DeviceId.of("dev-idle");
        StoreContractTest.registry(store, 0).register(NewDevice.of(idle, DeviceType.ACTUATOR));
        commands.insert(queued("c-1", null, T0.plusSeconds(60)));
        commands.insert(queued("c-2", null, T0.plusSeconds(60)));
        List<DeviceId> crowd = new ArrayList<>(IntStream.range(0, 1_200)
                .mapToObj(i -> DeviceId.of("absent-" + i))
                .toList());
        crowd.add(idle);
        crowd.add(DEV);
        assertThat(commands.withQueued(crowd)).containsExactly(DEV);

        Instant sent = T0.plusSeconds(1);
        commands.transition("c-1", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, sent, null, sent.plusSeconds(10));
        commands.transition("c-2", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, sent, null, sent.plusSeconds(10));
        assertThat(commands.withQueued(crowd)).isEmpty();
        assertThat(commands.withQueued(List.of())).isEmpty();
    }

    @Test
    void sameIdempotencyKey_isRefused_otherCommandsWithoutKeysAreNot() {
        assertThat(commands.insert(queued("c-1", "k", T0))).isTrue();
        assertThat(commands.insert(queued("c-2", "k", T0))).isFalse();
        assertThat(commands.insert(queued("c-3", null, T0))).isTrue();
        assertThat(commands.insert(queued("c-4", null, T0))).isTrue();
        assertThat(commands.list(DEV, 10, null)).extracting(Command::id).containsExactly("c-4", "c-3", "c-1");
    }

    @Test
    void transitions_areCompareAndSet_andRecordTheirTimes() {
        commands.insert(queued("c-1", null, T0.plusSeconds(60)));
        Instant sent = T0.plusSeconds(1);
        assertThat(commands.transition(
                        "c-1", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, sent, null, sent.plusSeconds(10)))
                .isTrue();
        assertThat(commands.transition("c-1", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, sent, null, sent))
                .isFalse();
        commands.markDelivered("c-1", sent.plusMillis(5));
        Command delivered = commands.find("c-1").orElseThrow();
        assertThat(delivered.status()).isEqualTo(CommandStatus.DELIVERED);
        assertThat(delivered.sentAt()).isEqualTo(sent);
        assertThat(delivered.deliveredAt()).isEqualTo(sent.plusMillis(5));
        assertThat(delivered.responseDeadline()).isEqualTo(sent.plusSeconds(10));

        Set<CommandStatus> open = Set.of(CommandStatus.QUEUED, CommandStatus.SENT, CommandStatus.DELIVERED);
        assertThat(commands.transition("c-1", open, CommandStatus.SUCCEEDED, sent.plusSeconds(2), "done", null))
                .isTrue();
        assertThat(commands.transition("c-1", open, CommandStatus.TIMED_OUT, sent.plusSeconds(20), "late", null))
                .as("a terminal state is final")
                .isFalse();
        Command done = commands.find("c-1").orElseThrow();
        assertThat(done.status()).isEqualTo(CommandStatus.SUCCEEDED);
        assertThat(done.message()).isEqualTo("done");
        assertThat(done.completedAt()).isEqualTo(sent.plusSeconds(2));
    }

    @Test
    void responseBeforeAcknowledgement_stillRecordsDelivery() {
        commands.insert(queued("c-1", null, T0.plusSeconds(60)));
        commands.transition("c-1", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, T0, null, T0.plusSeconds(10));
        commands.transition("c-1", Set.of(CommandStatus.SENT), CommandStatus.SUCCEEDED, T0.plusMillis(3), "ok", null);
        commands.markDelivered("c-1", T0.plusMillis(4));
        Command done = commands.find("c-1").orElseThrow();
        assertThat(done.status()).isEqualTo(CommandStatus.SUCCEEDED);
        assertThat(done.deliveredAt()).isEqualTo(T0.plusMillis(3));
    }

    @Test
    void backToQueued_clearsTheSendingTimes() {
        commands.insert(queued("c-1", null, T0.plusSeconds(60)));
        commands.transition("c-1", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, T0, null, T0.plusSeconds(10));
        assertThat(commands.transition("c-1", Set.of(CommandStatus.SENT), CommandStatus.QUEUED, T0, null, null))
                .isTrue();
        Command again = commands.find("c-1").orElseThrow();
        assertThat(again.sentAt()).isNull();
        assertThat(again.responseDeadline()).isNull();
        assertThat(commands.queued(DEV)).extracting(Command::id).containsExactly("c-1");
    }

    @Test
    void queued_oldestFirst_andOverdue_findsExpiredAndTimedOut() {
        commands.insert(queued("c-2", null, T0.plusSeconds(60)));
        commands.insert(queued("c-1", null, T0.plusSeconds(5)));
        commands.insert(queued("c-3", null, T0.plusSeconds(60)));
        commands.transition("c-3", Set.of(CommandStatus.QUEUED), CommandStatus.SENT, T0, null, T0.plusSeconds(3));
        assertThat(commands.queued(DEV)).extracting(Command::id).containsExactly("c-1", "c-2");
        List<Command> overdue = commands.overdue(T0.plusSeconds(10), 100);
        assertThat(overdue).extracting(Command::id).containsExactlyInAnyOrder("c-1", "c-3");
        assertThat(commands.overdue(T0.plusSeconds(1), 100)).isEmpty();
    }

    @Test
    void list_pagesNewestFirst_withCursor() {
        for (int i = 1; i <= 5; i++) {
            commands.insert(queued("c-" + i, null, T0));
        }
        assertThat(commands.list(DEV, 2, null)).extracting(Command::id).containsExactly("c-5", "c-4");
        assertThat(commands.list(DEV, 2, "c-4")).extracting(Command::id).containsExactly("c-3", "c-2");
    }

    @Test
    void deletingTheDevice_deletesItsCommands() {
        commands.insert(queued("c-1", null, T0));
        store.devices().delete(DEV);
        assertThat(commands.find("c-1")).isEmpty();
    }
}

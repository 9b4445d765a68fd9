package io.edgeward.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeward.core.device.DeviceId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CommandTransportTest {

    private final DeviceId device = DeviceId.of("t-1");
    private final byte[] document = "{}".getBytes();
    private final List<String> asked = new ArrayList<>();

    private CommandTransport transport(String name, boolean takes) {
        return (id, doc) -> {
            asked.add(name);
            return CompletableFuture.completedFuture(takes);
        };
    }

    @Test
    void firstOf_firstTakes_laterOnesAreNotAsked() {
        boolean taken = CommandTransport.firstOf(transport("mqtt", true), transport("coap", true))
                .send(device, document)
                .join();
        assertThat(taken).isTrue();
        assertThat(asked).containsExactly("mqtt");
    }

    @Test
    void firstOf_firstCannot_theNextIsAsked() {
        boolean taken = CommandTransport.firstOf(transport("mqtt", false), transport("coap", true))
                .send(device, document)
                .join();
        assertThat(taken).isTrue();
        assertThat(asked).containsExactly("mqtt", "coap");
    }

    @Test
    void firstOf_noneCan_theCommandStaysQueued() {
        boolean taken = CommandTransport.firstOf(transport("mqtt", false), transport("coap", false))
                .send(device, document)
                .join();
        assertThat(taken).isFalse();
        assertThat(asked).containsExactly("mqtt", "coap");
    }
}

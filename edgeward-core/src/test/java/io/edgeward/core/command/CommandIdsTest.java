package io.edgeward.core.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommandIdsTest {

    @Test
    void idsSortInTheOrderTheyWereMade_evenWithinOneMillisecond_andAreVersion7() {
        CommandIds ids = new CommandIds();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            made.add(ids.next(1_760_000_000_000L + i / 5000)); // 5,000 per millisecond: the counter carries over
        }
        made.add(ids.next(1_700_000_000_000L)); // the clock went back: order still holds
        assertThat(made).isSorted().doesNotHaveDuplicates();
        assertThat(UUID.fromString(made.get(0)).version()).isEqualTo(7);
    }
}

package io.edgeward.core.command;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Time-ordered command ids (UUID version 7, RFC 9562, with a counter within the millisecond): the
 * order of ids is the order commands were accepted in, which is the order a device receives them.
 */
final class CommandIds {

    private static final SecureRandom RANDOM = new SecureRandom();
    private long lastMillis;
    private long counter;

    synchronized String next(long nowMillis) {
        if (nowMillis > lastMillis) {
            lastMillis = nowMillis;
            counter = RANDOM.nextInt(1 << 11);
        } else {
            counter++;
            if (counter >= (1 << 12)) {
                lastMillis++;
                counter = 0;
            }
        }
        long high = (lastMillis << 16) | (0x7L << 12) | counter;
        long low = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}

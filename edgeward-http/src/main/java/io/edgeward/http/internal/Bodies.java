package io.edgeward.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;

/** Request bodies: JSON only, with a 400 that says what is wrong. */
final class Bodies {

    private Bodies() {}

    private static final ObjectMapper TREES = new ObjectMapper();

    /** Stored JSON text as a tree, to be written as JSON again (or the text, if it does not read). */
    static Object tree(String json) {
        try {
            return TREES.readTree(json);
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    static <T> T read(ObjectMapper json, Context ctx, Class<T> type) {
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) {
            throw ApiException.badRequest("a JSON body is required");
        }
        try {
            T value = json.readValue(body, type);
            if (value == null) {
                throw ApiException.badRequest("a JSON body is required, not null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable body: " + e.getMessage());
        }
    }
}

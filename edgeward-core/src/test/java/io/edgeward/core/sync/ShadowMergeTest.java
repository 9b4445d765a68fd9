package io.edgeward.core.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgeward.core.device.DeviceId;
import io.edgeward.core.shadow.Shadow;
import org.junit.jupiter.api.Test;

class ShadowMergeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    @Test
    void newerKeysWin_olderAreDropped_andTheCloudWinsATie() throws Exception {
        Shadow local = new Shadow(
                DeviceId.of("d"),
                json("{\"led\":\"off\",\"fan\":1,\"mode\":\"eco\"}"),
                json("{}"),
                json("{\"led\":{\"timestamp\":100},\"fan\":{\"timestamp\":300},\"mode\":{\"timestamp\":200}}"),
                json("{}"),
                3,
                300);
        ObjectNode incoming = json("""
                {"state": {"desired": {"led": "on", "fan": 2, "mode": "boost"}},
                 "metadata": {"desired": {"led": {"timestamp": 150}, "fan": {"timestamp": 250},
                                          "mode": {"timestamp": 200}}}}""");

        assertThat(ShadowMerge.newer(local, incoming, true))
                .isEqualTo(json("{\"state\":{\"desired\":{\"led\":\"on\",\"mode\":\"boost\"}}}"));
        assertThat(ShadowMerge.newer(local, incoming, false))
                .as("at the cloud, the edge's tie loses")
                .isEqualTo(json("{\"state\":{\"desired\":{\"led\":\"on\"}}}"));
        ObjectNode stale =
                json("{\"state\":{\"desired\":{\"fan\":0}},\"metadata\":{\"desired\":{\"fan\":{\"timestamp\":1}}}}");
        assertThat(ShadowMerge.newer(local, stale, true)).isNull();
    }

    @Test
    void nestedKeys_countTheirNewestLeaf() throws Exception {
        assertThat(ShadowMerge.newer(
                        new Shadow(
                                DeviceId.of("d"),
                                json("{}"),
                                json("{\"cfg\":{\"a\":1}}"),
                                json("{}"),
                                json("{\"cfg\":{\"a\":{\"timestamp\":50}}}"),
                                1,
                                50),
                        json("{\"state\":{\"reported\":{\"cfg\":{\"a\":2}}},"
                                + "\"metadata\":{\"reported\":{\"cfg\":{\"a\":{\"timestamp\":60}}}}}"),
                        false))
                .isEqualTo(json("{\"state\":{\"reported\":{\"cfg\":{\"a\":2}}}}"));
    }
}

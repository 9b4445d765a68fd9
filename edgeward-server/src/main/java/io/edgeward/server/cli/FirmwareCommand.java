package io.edgeward.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgeward.device.PlatformClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgeward firmware ...}: the firmware repository from the command line, through the REST API. */
@Command(
        name = "firmware",
        mixinStandardHelpOptions = true,
        description = "Manage firmware releases through a running node's API.",
        subcommands = {
            FirmwareCommand.Add.class,
            FirmwareCommand.ListReleases.class,
            FirmwareCommand.Delta.class,
            FirmwareCommand.Delete.class
        })
final class FirmwareCommand {

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Upload an image as a release; the node signs its manifest. Prints the release.")
    static final class Add implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "The firmware image.")
        Path file;

        @Option(names = "--version", required = true, description = "Semantic version, e.g. 2.1.0 (unique per model).")
        String version;

        @Option(names = "--model", required = true, description = "The device model or type the image fits.")
        String model;

        @Option(names = "--min-version", description = "The oldest version it upgrades from.")
        String minVersion;

        @Option(names = "--filename", description = "The name devices save it as (default: FILE's name).")
        String filename;

        @Option(names = "--notes", description = "Release notes.")
        String notes;

        @Option(names = "--meta", paramLabel = "KEY=VALUE", description = "Metadata; repeatable.")
        Map<String, String> metadata;

        @Option(
                names = "--vendor-signature",
                paramLabel = "FILE",
                description = "The vendor's own signature of the image (any format), kept and served as is.")
        Path vendorSignature;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                System.err.println("No such file: " + file);
                return 2;
            }
            long size = Files.size(file);
            Map<String, String> query = new LinkedHashMap<>();
            query.put("model", model);
            query.put("version", version);
            query.put("min_version", minVersion);
            query.put(
                    "filename", filename != null ? filename : file.getFileName().toString());
            query.put("release_notes", notes);
            if (metadata != null) {
                metadata.forEach((key, value) -> query.put("meta." + key, value));
            }
            String signature = vendorSignature == null
                    ? null
                    : Base64.getEncoder().encodeToString(Files.readAllBytes(vendorSignature));
            long[] shown = {-1};
            try {
                JsonNode release = target.client().uploadFirmware(file, query, signature, sent -> {
                    long percent = size == 0 ? 100 : sent * 100 / size;
                    if (percent / 10 != shown[0] / 10) {
                        shown[0] = percent;
                        System.err.printf(
                                "Uploading %s: %d %% (%,d of %,d bytes)%n", file.getFileName(), percent, sent, size);
                    }
                });
                System.out.println("Added " + release.path("id").asText() + ": "
                        + release.path("model").asText() + " "
                        + release.path("version").asText() + ", "
                        + release.path("size").asLong() + " bytes, sha256 "
                        + release.path("sha256").asText());
                System.out.println(
                        "Signed manifest: " + release.path("manifest").asText());
                return 0;
            } catch (PlatformClient.ApiError e) {
                System.err.println("Refused: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List releases, newest first.")
    static final class ListReleases implements Callable<Integer> {
        @Option(names = "--model", description = "Only this model.")
        String model;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> {
                JsonNode page = client.get("/api/v1/firmware"
                        + (model == null ? "" : "?model=" + URLEncoder.encode(model, StandardCharsets.UTF_8)));
                System.out.printf("%-20s %-16s %-14s %12s  %s%n", "ID", "MODEL", "VERSION", "BYTES", "CREATED");
                for (JsonNode release : page.path("firmware")) {
                    System.out.printf(
                            "%-20s %-16s %-14s %,12d  %s%n",
                            release.path("id").asText(),
                            release.path("model").asText(),
                            release.path("version").asText(),
                            release.path("size").asLong(),
                            release.path("created_at").asText());
                }
            });
        }
    }

    @Command(
            name = "delta",
            mixinStandardHelpOptions = true,
            description = "Compute and sign a delta (bsdiff) to a release from an older one; devices on the older one"
                    + " download it instead of the image.")
    static final class Delta implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The release the delta leads to (fw-…).")
        String id;

        @Option(names = "--from", required = true, paramLabel = "BASE_ID", description = "The older release (fw-…).")
        String from;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> {
                System.err.println("Computing the delta (both images are read whole) ...");
                JsonNode delta = client.post(
                        "/api/v1/firmware/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/deltas",
                        "{\"from\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(from)
                                + "}");
                System.out.println("Added delta " + delta.path("id").asText() + " from "
                        + delta.path("base_version").asText()
                        + ": " + delta.path("size").asLong() + " bytes ("
                        + delta.path("format").asText() + "), sha256 "
                        + delta.path("sha256").asText());
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a release.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The release's id (fw-…).")
        String id;

        @Mixin
        ApiTarget target;

        @Override
        public Integer call() throws Exception {
            return target.refusing(client -> {
                client.delete("/api/v1/firmware/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
                System.out.println("Deleted " + id + ".");
            });
        }
    }
}

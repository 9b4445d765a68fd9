package io.edgeward.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.edgeward.core.rules.RuleSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The rule files of {@code <data-dir>/rules/}: {@code *.yaml}, {@code *.yml} and {@code *.json},
 * each one rule or a list of rules, read in name order. A file that cannot be read stops the start,
 * naming the file, as a bad configuration file does.
 */
public final class RuleFiles {

    private RuleFiles() {}

    public static List<RuleSettings.Source> read(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<RuleSettings.Source> sources = new ArrayList<>();
        YAMLMapper yaml = new YAMLMapper(); // YAML is a superset of JSON: one reader for both
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(RuleFiles::isRuleFile).sorted().toList()) {
                JsonNode tree;
                try {
                    tree = yaml.readTree(file.toFile());
                } catch (IOException e) {
                    throw new IllegalArgumentException("rule file " + file + " cannot be read: " + e.getMessage(), e);
                }
                String origin = "file:" + file.getFileName();
                if (tree == null || tree.isNull() || tree.isMissingNode()) {
                    continue;
                }
                if (tree.isArray()) {
                    tree.forEach(rule -> sources.add(new RuleSettings.Source(origin, rule)));
                } else {
                    sources.add(new RuleSettings.Source(origin, tree));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "rule directory " + directory + " cannot be listed: " + e.getMessage(), e);
        }
        return sources;
    }

    private static boolean isRuleFile(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file) && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
    }
}

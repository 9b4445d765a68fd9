package io.edgeward.core.processing;

import java.util.List;

/** The filters and windows in force; names are unique across both (they name stream sources). */
public record ProcessingConfig(List<FilterSpec> filters, List<WindowSpec> windows) {

    public static final ProcessingConfig EMPTY = new ProcessingConfig(List.of(), List.of());

    public ProcessingConfig {
        filters = List.copyOf(filters);
        windows = List.copyOf(windows);
    }

    public boolean isEmpty() {
        return filters.isEmpty() && windows.isEmpty();
    }
}

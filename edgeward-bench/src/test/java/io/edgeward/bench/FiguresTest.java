package io.edgeward.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresTest {

    @Test
    void median_ofAnOddNumberOfRuns_isTheMiddleOne_whateverTheirOrder() {
        List<Figures> runs = List.of(run(60_000, 30.0), run(80_000, 12.0), run(70_000, 18.0));
        assertThat(Figures.median(runs, Figures::halfP99)).isEqualTo(18.0);
        assertThat(Figures.median(runs, Figures::mosquittoRate)).isEqualTo(70_000);
    }

    @Test
    void median_ofAnEvenNumberOfRuns_isTheMeanOfTheMiddleTwo() {
        List<Figures> runs = List.of(run(60_000, 30.0), run(80_000, 10.0), run(70_000, 20.0), run(90_000, 40.0));
        assertThat(Figures.median(runs, Figures::halfP99)).isEqualTo(25.0);
    }

    @Test
    void ratio_isStoredOverMosquitto() {
        assertThat(new Figures(80_000, 64_000, 0, 0, 0, 0, 0, 0).ratio()).isEqualTo(0.8);
    }

    private static Figures run(double mosquittoRate, double halfP99) {
        return new Figures(mosquittoRate, mosquittoRate * 0.8, halfP99, 3, 3, halfP99, 400, 0.05);
    }
}

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
        assertThat(new Figures(80_000, 64_000, 0, 0, 0, 0, 0, 0, 1).ratio()).isEqualTo(0.8);
    }

    @Test
    void targets_atTheirBorders_areJudgedAsTheIssueStatesThem() {
        assertThat(Figures.ratioMet(0.80)).isTrue();
        assertThat(Figures.ratioMet(0.79)).isFalse();
        assertThat(Figures.p99Met(9.99)).isTrue();
        assertThat(Figures.p99Met(10.0)).isFalse();
        assertThat(Figures.rssMet(511.9)).isTrue();
        assertThat(Figures.rssMet(512)).isFalse();
        assertThat(Figures.reportedCostMet(0.10)).isTrue();
        assertThat(Figures.reportedCostMet(0.11)).isFalse();
        assertThat(Figures.processingMet(0.90)).isTrue();
        assertThat(Figures.processingMet(0.89)).isFalse();
    }

    private static Figures run(double mosquittoRate, double halfP99) {
        return new Figures(mosquittoRate, mosquittoRate * 0.8, halfP99, 3, 3, halfP99, 400, 0.05, 0.95);
    }
}

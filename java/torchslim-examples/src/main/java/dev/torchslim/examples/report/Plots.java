package dev.torchslim.examples.report;

import dev.torchslim.report.ModelMeasure;
import dev.torchslim.core.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG plots of a stage table (XChart, headless): what a person would rather look at than read. */
public final class Plots {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {}

    /**
     * Accuracy (%) against saved size (KiB), one labelled point per stage.
     *
     * @param table the stages
     * @param png the PNG file to write
     * @throws IOException when the file cannot be written
     */
    public static void accuracyVsSize(StageTable table, Path png) throws IOException {
        scatter(table, png, "Accuracy vs saved size", "saved size (KiB)", r -> r.sizeBytes() / 1024.0);
    }

    /**
     * Accuracy (%) against median latency per batch (ms), one labelled point per stage.
     *
     * @param table the stages
     * @param png the PNG file to write
     * @throws IOException when the file cannot be written
     */
    public static void accuracyVsLatency(StageTable table, Path png) throws IOException {
        scatter(table, png, "Accuracy vs latency (batch of " + ModelMeasure.LATENCY_BATCH + ")",
                "median latency per batch (ms)", StageResult::latencyMs);
    }

    /**
     * Bars of one value per named item, e.g. per-layer sparsity (%) or channels kept.
     *
     * @param names the bars' labels, in order
     * @param values one value per label
     * @param title the chart's title
     * @param yTitle the y axis' title
     * @param png the PNG file to write
     * @throws IOException when the file cannot be written
     */
    public static void bars(String title, String yTitle, List<String> names, List<? extends Number> values, Path png)
            throws IOException {
        if (names.size() != values.size() || names.isEmpty()) {
            throw new IllegalArgumentException("bars need one value per name and at least one bar; got "
                    + names.size() + " names and " + values.size() + " values");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.addSeries(yTitle, new ArrayList<>(names), new ArrayList<Number>(values));
        write(chart, png);
    }

    private static void scatter(StageTable table, Path png, String title, String xTitle,
            ToDoubleFunction<StageResult> x) throws IOException {
        if (table.rows().isEmpty()) {
            throw new IllegalArgumentException("no stages to plot");
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle("test accuracy (%)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(11);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        for (StageResult r : table.rows()) {
            XYSeries s = chart.addSeries(r.name(), new double[] {x.applyAsDouble(r)},
                    new double[] {100 * r.accuracy()});
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(0f));
        }
        write(chart, png);
    }

    private static void write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) throws IOException {
        // saveBitmap(chart, fileName, ...) would append ".png" to the temporary name: write a stream.
        AtomicFiles.write(png, tmp -> {
            try (java.io.OutputStream os = java.nio.file.Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }
}

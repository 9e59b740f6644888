package io.tessera.train;

import io.tessera.TesseraException;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * PNG plot of the training loss (per step, faint, and its moving average) and the held-out loss (points joined
 * by a line) against the step, drawn with Java2D in headless mode.
 */
public final class LossPlot {
    private LossPlot() {}

    public record Point(long step, double loss) {}

    public static final int WIDTH = 900, HEIGHT = 540;

    /** Writes the plot to {@code png} (through a temporary file and a rename). */
    public static void write(Path png, String title, List<Point> train, List<Point> heldOut) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = render(title, train, heldOut);
        try {
            Path dir = png.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Path tmp = png.resolveSibling(png.getFileName() + ".tmp");
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TesseraException(png + ": cannot write the loss plot: " + e.getMessage());
        }
    }

    static BufferedImage render(String title, List<Point> train, List<Point> heldOut) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int left = 70, right = WIDTH - 20, top = 40, bottom = HEIGHT - 55;

        long maxStep = 1;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (List<Point> s : List.of(train, heldOut)) {
            for (Point p : s) {
                maxStep = Math.max(maxStep, p.step());
                if (Double.isFinite(p.loss())) {
                    lo = Math.min(lo, p.loss());
                    hi = Math.max(hi, p.loss());
                }
            }
        }
        if (!(lo <= hi)) { lo = 0; hi = 1; }
        // the first steps' loss (about ln vocab) would squash the rest: cap the axis at the 2nd percentile
        // from the top of the training curve, but always show every held-out point
        if (train.size() > 50) {
            double[] sorted = train.stream().mapToDouble(Point::loss).filter(Double::isFinite).sorted().toArray();
            double cap = sorted[(int) (sorted.length * 0.98)];
            for (Point p : heldOut) cap = Math.max(cap, p.loss());
            hi = Math.min(hi, cap);
        }
        if (hi - lo < 1e-6) { hi += 0.5; lo -= 0.5; }
        double pad = 0.05 * (hi - lo);
        lo = Math.max(0, lo - pad);
        hi = hi + pad;
        final double yLo = lo, yHi = hi;
        final long xMax = maxStep;
        java.util.function.DoubleUnaryOperator X = s -> left + (right - left) * s / xMax;
        java.util.function.DoubleUnaryOperator Y = v -> bottom - (bottom - top) * (Math.min(Math.max(v, yLo), yHi) - yLo) / (yHi - yLo);

        // grid and axes
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics fm = g.getFontMetrics();
        double yStep = niceStep((hi - lo) / 6);
        for (double v = Math.ceil(lo / yStep) * yStep; v <= hi + 1e-9; v += yStep) {
            int y = (int) Math.round(Y.applyAsDouble(v));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, yStep < 0.1 ? "%.2f" : "%.1f", v);
            g.drawString(label, left - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
        }
        double xStep = Math.max(1, niceStep(maxStep / 8.0));
        for (double s = 0; s <= maxStep + 1e-9; s += xStep) {
            int x = (int) Math.round(X.applyAsDouble(s));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(x, top, x, bottom);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%d", (long) s);
            g.drawString(label, x - fm.stringWidth(label) / 2, bottom + fm.getAscent() + 6);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        g.drawString("step", (left + right) / 2 - fm.stringWidth("step") / 2, HEIGHT - 12);
        Graphics2D rot = (Graphics2D) g.create();
        rot.rotate(-Math.PI / 2);
        rot.drawString("loss (nats/token)", -(top + bottom) / 2 - fm.stringWidth("loss (nats/token)") / 2, 18);
        rot.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, top - 14);

        // curves
        g.setClip(left + 1, top + 1, right - left - 1, bottom - top - 1);
        g.setStroke(new BasicStroke(1f));
        g.setColor(new Color(120, 160, 230));
        g.draw(line(train, X, Y));
        int window = Math.max(1, train.size() / 25);
        g.setStroke(new BasicStroke(2.2f));
        g.setColor(new Color(20, 70, 180));
        g.draw(line(movingAverage(train, window), X, Y));
        g.setColor(new Color(220, 80, 20));
        g.draw(line(heldOut, X, Y));
        for (Point p : heldOut) {
            int x = (int) Math.round(X.applyAsDouble(p.step())), y = (int) Math.round(Y.applyAsDouble(p.loss()));
            g.fillOval(x - 4, y - 4, 8, 8);
        }
        g.setClip(null);

        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int lx = right - 260, ly = top + 12;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(lx - 8, ly - 6, 262, 68);
        g.setColor(Color.GRAY);
        g.drawRect(lx - 8, ly - 6, 262, 68);
        legend(g, lx, ly + 8, new Color(120, 160, 230), 1f, "train (per step)");
        legend(g, lx, ly + 28, new Color(20, 70, 180), 2.2f, "train (mean of " + window + " steps)");
        legend(g, lx, ly + 48, new Color(220, 80, 20), 2.2f, heldOut.isEmpty() ? "held-out (none)"
                : String.format(Locale.ROOT, "held-out (last %.3f)", heldOut.get(heldOut.size() - 1).loss()));
        g.dispose();
        return img;
    }

    private static void legend(Graphics2D g, int x, int y, Color c, float width, String text) {
        g.setColor(c);
        g.setStroke(new BasicStroke(width));
        g.drawLine(x, y, x + 28, y);
        g.setColor(Color.BLACK);
        g.drawString(text, x + 36, y + 5);
    }

    private static Path2D line(List<Point> pts, java.util.function.DoubleUnaryOperator X, java.util.function.DoubleUnaryOperator Y) {
        Path2D.Double p = new Path2D.Double();
        boolean first = true;
        for (Point q : pts) {
            if (!Double.isFinite(q.loss())) continue;
            double x = X.applyAsDouble(q.step()), y = Y.applyAsDouble(q.loss());
            if (first) p.moveTo(x, y);
            else p.lineTo(x, y);
            first = false;
        }
        return p;
    }

    /** Centred moving average (the window shrinks at both ends), so the smoothed curve does not lag. */
    static List<Point> movingAverage(List<Point> pts, int window) {
        List<Point> out = new java.util.ArrayList<>();
        int half = window / 2;
        double[] prefix = new double[pts.size() + 1];
        for (int i = 0; i < pts.size(); i++) prefix[i + 1] = prefix[i] + pts.get(i).loss();
        for (int i = 0; i < pts.size(); i++) {
            int a = Math.max(0, i - half), b = Math.min(pts.size(), i + half + 1);
            out.add(new Point(pts.get(i).step(), (prefix[b] - prefix[a]) / (b - a)));
        }
        return out;
    }

    private static double niceStep(double raw) {
        if (!(raw > 0)) return 1;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        double nice = r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10;
        return Math.max(nice * mag, 1e-3);
    }
}

package ops

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The console's charts: inline SVG drawn here, on the server, so a page
// needs no script and nothing from elsewhere. Colours come from the
// page's stylesheet (classes p0..p7), so dark mode recolours them; each
// chart has a <title>, a legend in HTML and a table of its numbers.

// series is one named row of values, one per bucket, drawn in colour
// Color of the palette (0..7).
type series struct {
	Name   string
	Values []float64
	Color  int
}

const (
	chartW, chartH                   = 440.0, 200.0
	padL, padR, padT, padB           = 40.0, 8.0, 10.0, 24.0
	plotW, plotH                     = chartW - padL - padR, chartH - padT - padB
	maxXLabels                       = 7
	paletteSize                      = 8
	chartFont                        = 11
	chartTitleID                     = "chart-"
	stackedBars, lines     chartKind = 0, 1
)

type chartKind int

// niceMax is the top of a y axis with four gridlines over values up to
// m: four times a step of 1, 2, 2.5 or 5 times a power of ten (steps of
// counts at least 1).
func niceMax(m float64, whole bool) float64 {
	if m <= 0 {
		return 4
	}
	step := m / 4
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= step && (!whole || f*p >= 1 && math.Mod(f*p, 1) == 0) {
			return 4 * f * p
		}
	}
	return 40 * p
}

// chart draws ss over the bucket labels as stacked bars or lines; format
// renders a value of the y axis.
func chart(id, title string, kind chartKind, labels []string, ss []series, format func(float64) string) template.HTML {
	whole := kind == stackedBars // bars count questions and votes
	n := len(labels)
	var b strings.Builder
	esc := template.HTMLEscapeString
	top := 0.0
	for i := 0; i < n; i++ {
		sum := 0.0
		for _, s := range ss {
			if kind == stackedBars {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		top = math.Max(top, sum)
	}
	top = niceMax(top, whole)
	y := func(v float64) float64 { return padT + plotH - v/top*plotH }
	fmt.Fprintf(&b, `<figure class="chart" aria-labelledby="%s%s"><figcaption id="%s%s">%s</figcaption>`, chartTitleID, id, chartTitleID, id, esc(title))
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" aria-labelledby="%s%s" font-size="%d"><title>%s</title>`, chartW, chartH, chartTitleID, id, chartFont, esc(title))
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		fmt.Fprintf(&b, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/>`, padL, chartW-padR, y(v), y(v))
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%.1f" text-anchor="end">%s</text>`, padL-4, y(v)+4, esc(format(v)))
	}
	if n == 0 {
		fmt.Fprintf(&b, `<text class="axis" x="%g" y="%g" text-anchor="middle">no data</text>`, padL+plotW/2, padT+plotH/2)
	}
	slot := plotW / math.Max(float64(n), 1)
	every := (n + maxXLabels - 1) / maxXLabels
	for i, l := range labels {
		if every > 1 && i%every != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%g" text-anchor="middle">%s</text>`, padL+slot*(float64(i)+0.5), chartH-6, esc(l))
	}
	switch kind {
	case stackedBars:
		w := math.Max(slot*0.7, 1)
		for i := 0; i < n; i++ {
			base := 0.0
			for _, s := range ss {
				v := s.Values[i]
				if v <= 0 {
					continue
				}
				fmt.Fprintf(&b, `<rect class="p%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
					s.Color%paletteSize, padL+slot*float64(i)+(slot-w)/2, y(base+v), w, y(base)-y(base+v), esc(labels[i]), esc(s.Name), esc(format(v)))
				base += v
			}
		}
	case lines:
		for _, s := range ss {
			var pts []string
			for i := 0; i < n; i++ {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", padL+slot*(float64(i)+0.5), y(s.Values[i])))
			}
			if n > 1 {
				fmt.Fprintf(&b, `<polyline class="l%d" fill="none" stroke-width="2" points="%s"/>`, s.Color%paletteSize, strings.Join(pts, " "))
			}
			for i, p := range pts {
				x, yy, _ := strings.Cut(p, ",")
				fmt.Fprintf(&b, `<circle class="p%d" cx="%s" cy="%s" r="3"><title>%s %s: %s</title></circle>`, s.Color%paletteSize, x, yy, esc(labels[i]), esc(s.Name), esc(format(s.Values[i])))
			}
		}
	}
	b.WriteString(`</svg><ul class="legend">`)
	for _, s := range ss {
		fmt.Fprintf(&b, `<li><span class="sw p%d" aria-hidden="true"></span>%s</li>`, s.Color%paletteSize, esc(s.Name))
	}
	b.WriteString(`</ul></figure>`)
	return template.HTML(b.String())
}

func count(v float64) string { return fmt.Sprintf("%.0f", v) }

func percent(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func millis(v float64) string {
	if v >= 10 || v == 0 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/nn"
)

// markdown renders report.md: report.html's content with the figures as
// the PNG files beside it.
func (p *page) markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\nWritten by gradgraph's `%s` command. Every figure below is the one in metrics.json beside this file.\n\n", mdText(p.Title), p.Command)
	b.WriteString("## Settings and results\n")
	for _, s := range p.Sections {
		fmt.Fprintf(&b, "\n**%s**\n\n| | |\n|---|---:|\n", mdText(s.Title))
		for _, r := range s.Rows {
			fmt.Fprintf(&b, "| %s | %s |\n", mdText(r.Label), mdText(r.Text))
		}
	}
	b.WriteString("\n## Training curves\n\n")
	if p.Curves != nil {
		b.WriteString(mdImage(p.Curves))
	} else {
		b.WriteString("No epochs were run: the model was only evaluated.\n")
	}
	for _, f := range p.Figures {
		fmt.Fprintf(&b, "\n## %s\n\n%s", mdText(f.Title), mdImage(f.Image))
	}
	if p.Confusion != nil {
		fmt.Fprintf(&b, "\n## Confusion matrix\n\n%s: true classes down, predicted classes across.\n\n%s", mdText(p.ConfusionOf), mdImage(p.Confusion))
	}
	if len(p.Predictions) > 0 {
		b.WriteString("\n## Predictions\n")
		for _, pr := range p.Predictions {
			fmt.Fprintf(&b, "\n%s\n\n", mdText(pr.Caption))
			for _, img := range []*image{pr.Image, pr.Bars} {
				if img != nil {
					b.WriteString(mdImage(img))
				}
			}
		}
	}
	b.WriteString("\n## Model\n\n")
	if p.Summary != "" {
		summary := strings.TrimRight(p.Summary, "\n")
		fence := codeFence(summary)
		fmt.Fprintf(&b, "%s\n%s\n%s\n\n", fence, summary, fence)
	}
	if p.Model != nil {
		b.WriteString(mdImage(p.Model))
	}
	return b.Bytes()
}

// codeFence returns a fence of backticks longer than any run of backticks
// in text (at least three), so that nothing in text, a layer's name for
// one, can close the code block early: CommonMark closes a fenced block
// only with a fence at least as long as the one that opened it, and
// inside the block nothing else is markup.
func codeFence(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// mdImage references a figure beside report.md.
func mdImage(img *image) string {
	return fmt.Sprintf("![%s](%s)\n", mdText(img.Alt), img.File)
}

// mdText escapes what Markdown would read as markup in table cells, image
// text and headings, folds line breaks into spaces, and writes other
// control characters as Go escapes (nn.Printable), so that a name from a
// file cannot drive the terminal of whoever prints report.md.
func mdText(s string) string {
	return mdMarkup.Replace(nn.Printable(strings.ReplaceAll(s, "\n", " ")))
}

var mdMarkup = strings.NewReplacer(`\`, `\\`, "|", `\|`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;")

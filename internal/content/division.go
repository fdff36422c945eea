package content

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// defaultStaleAfterDays is how far the last usage may lie behind the report
// date, in days, before the pages say the data is behind, when _index.md
// sets no stale_after_days. Billing data normally lands within hours; two
// days leave room for a late export without crying wolf.
const defaultStaleAfterDays = 2

// defaultThresholds are the alert thresholds, in percent of budget, when
// _index.md sets none.
var defaultThresholds = []int{75, 90, 100}

// parseIndex reads _index.md: the division's settings and its narrative.
func parseIndex(file string, data []byte) (budget.Division, []error) {
	d := &decoder{file: file}
	div := budget.Division{Currency: "USD", Thresholds: slices.Clone(defaultThresholds), StaleAfterDays: defaultStaleAfterDays, Status: budget.DefaultStatusRules}
	doc, ok := d.document(data, true)
	if !ok {
		return div, d.errs
	}
	div.Narrative = doc.narrative(file)
	top, ok := d.parse(doc.yaml, "title", "division", "currency", "alert_thresholds", "stale_after_days", "status", "recipients")
	if !ok {
		return div, d.errs
	}
	if n := d.need(top, "title", "Stellar Budget"); n != nil {
		div.Title, _ = d.text(n, "title", "the site title, e.g. Stellar Budget")
	}
	if n := d.need(top, "division", "Stellar Analytics Division"); n != nil {
		div.Name, _ = d.text(n, "division", "the division's name, e.g. Stellar Analytics Division")
	}
	if n := top.values["currency"]; n != nil {
		// Billing exports are in USD; converting is out of scope, so any
		// other currency would put wrong figures on every page.
		if v, ok := d.text(n, "currency", "USD"); ok && strings.ToUpper(v) != "USD" {
			d.fail(n, "currency", "%q is not supported (only USD; remove the field or write USD)", v)
		}
	}
	if n := top.values["alert_thresholds"]; n != nil {
		div.Thresholds = d.thresholds(n)
	}
	if n := top.values["stale_after_days"]; n != nil {
		if v, ok := d.integer(n, "stale_after_days", 0, 365, "days"); ok {
			div.StaleAfterDays = v
		}
	}
	if n := top.values["status"]; n != nil {
		div.Status = d.statusRules(n)
	}
	if n := top.values["recipients"]; n != nil {
		div.Recipients, _ = d.emails(n, "recipients", false)
	}
	return div, d.errs
}

func (d *decoder) thresholds(n *yaml.Node) []int {
	const field, example = "alert_thresholds", "[75, 90, 100]"
	items, ok := d.list(n, field, example)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.fail(n, field, "is empty (want at least one percentage, e.g. %s, or remove the field for that default)", example)
		return nil
	}
	out := make([]int, 0, len(items))
	for i, item := range items {
		name := fmt.Sprintf("%s[%d]", field, i)
		v, ok := d.integer(item, name, 1, 200, "percent of budget")
		if !ok {
			continue
		}
		if len(out) > 0 && v <= out[len(out)-1] {
			d.fail(item, name, "%d does not come after %d (want ascending values without repeats, e.g. %s)", v, out[len(out)-1], example)
			continue
		}
		out = append(out, v)
	}
	return out
}

// statusRules reads the optional status mapping; a field left out keeps its
// default.
func (d *decoder) statusRules(n *yaml.Node) budget.StatusRules {
	rules := budget.DefaultStatusRules
	const example = "{projected_over_probability: 0.5, watch_probability: 0.2}"
	if n.Kind != yaml.MappingNode {
		d.fail(n, "status", "is %s (want fields indented below it, e.g. %s)", describe(n), example)
		return rules
	}
	m := d.fields(n, "status.", "projected_over_probability", "watch_probability")
	if v := m.values["projected_over_probability"]; v != nil {
		if p, ok := d.probability(v, "status.projected_over_probability"); ok {
			rules.ProjectedOver = p
		}
	}
	if v := m.values["watch_probability"]; v != nil {
		if p, ok := d.probability(v, "status.watch_probability"); ok {
			rules.Watch = p
		}
	}
	if rules.Watch > rules.ProjectedOver {
		d.fail(n, "status.watch_probability", "%g is above projected_over_probability %g (watch comes before projected over)", rules.Watch, rules.ProjectedOver)
	}
	return rules
}

// parseReport reads report.md, whose front matter is optional.
func parseReport(file string, data []byte) (title string, body budget.Narrative, errs []error) {
	d := &decoder{file: file}
	doc, ok := d.document(data, false)
	if !ok {
		return "", budget.Narrative{}, d.errs
	}
	if doc.hasFrontMatter {
		top, ok := d.parse(doc.yaml, "title")
		if ok && top.values["title"] != nil {
			title, _ = d.text(top.values["title"], "title", "the report's title, e.g. Leadership report")
		}
	}
	return title, doc.narrative(file), d.errs
}

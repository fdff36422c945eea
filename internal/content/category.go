package content

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// slugPattern keeps slugs usable as URL path segments on every file system.
var slugPattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// parsedCategory is a category file's result, with the line of its tag_value
// so duplicates across files can point at both.
type parsedCategory struct {
	budget.Category
	tagLine int
}

// parseCategory reads categories/<slug>.md. The returned category is only
// meaningful when no errors are returned, except TagValue, which is set
// whenever it is valid so duplicates are reported alongside other problems.
func parseCategory(file string, data []byte) (parsedCategory, []error) {
	d := &decoder{file: file}
	var c parsedCategory
	c.Slug = strings.TrimSuffix(filepath.Base(file), ".md")
	if !slugPattern.MatchString(c.Slug) {
		d.errs = append(d.errs, &Error{File: file, Field: "file name",
			Msg: fmt.Sprintf("%q is not a valid slug (rename the file using only a-z, 0-9 and '-', e.g. deep-space-telemetry.md)", c.Slug)})
	}
	doc, ok := d.document(data, true)
	if !ok {
		return c, d.errs
	}
	c.Narrative = doc.narrative(file)
	top, ok := d.parse(doc.yaml, "title", "tag_value", "monthly_budget_usd", "budget_history", "owners", "group", "policy", "on_breach", "allowances")
	if !ok {
		return c, d.errs
	}
	if n := d.need(top, "title", "Deep Space Telemetry"); n != nil {
		c.Title, _ = d.text(n, "title", "the category's display name, e.g. Deep Space Telemetry")
	}
	if n := d.need(top, "tag_value", "DEEP_SPACE_TELEMETRY"); n != nil {
		c.TagValue = d.tagValue(n)
		c.tagLine = fileLine(n)
	}
	if n := d.need(top, "monthly_budget_usd", "4200"); n != nil {
		c.MonthlyBudget, _ = d.money(n, "monthly_budget_usd")
	}
	if n := top.values["budget_history"]; n != nil {
		c.BudgetHistory = d.budgetHistory(n)
	}
	if n := d.need(top, "owners", "[first.last@novadynamics.test]"); n != nil {
		c.Owners, _ = d.emails(n, "owners", true)
	}
	if n := top.values["group"]; n != nil {
		c.Group = d.group(n)
	}
	c.Policy = d.policy(top)
	c.OnBreach = d.onBreach(top)
	if n := top.values["allowances"]; n != nil {
		c.Allowances = d.allowances(n)
	}
	return c, d.errs
}

// tagValue checks that the value is written exactly as attribution matches
// it, so what the user reads in the file is what appears in reports and
// cluster tags. It returns "" when the value is unusable.
func (d *decoder) tagValue(n *yaml.Node) string {
	v, ok := d.text(n, "tag_value", "the OperationalCategory tag value, e.g. DEEP_SPACE_TELEMETRY")
	if !ok {
		return ""
	}
	if norm := budget.NormalizeTag(v); norm != v {
		d.fail(n, "tag_value", "%q is not normalised (write it as %q: upper case, '_' between words)", v, norm)
		return ""
	}
	if v == budget.Unattributed {
		d.fail(n, "tag_value", "%q is reserved for spend that matches no category (choose another value)", v)
		return ""
	}
	return v
}

// maxGroupName is the longest group name accepted; Databricks' own limit
// is near it, and a longer value is surely a paste gone wrong.
const maxGroupName = 256

// group reads the Databricks group name. The group is optional here;
// `setup`, the one command that needs it, says so when it is missing.
func (d *decoder) group(n *yaml.Node) string {
	const want = "the Databricks group whose members run the category's work, e.g. sad-deep-space"
	v, ok := d.text(n, "group", want)
	if !ok {
		return ""
	}
	switch {
	case len(v) > maxGroupName:
		d.fail(n, "group", "is %d characters long (want at most %d: %s)", len(v), maxGroupName, want)
		return ""
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		d.fail(n, "group", "%q contains a control character (want %s)", v, want)
		return ""
	}
	return v
}

// budgetHistory reads the earlier monthly budgets, oldest first: each item
// a mapping {from: YYYY-MM, usd: N}, months strictly ascending.
func (d *decoder) budgetHistory(n *yaml.Node) []budget.BudgetChange {
	const field, example = "budget_history", "[{from: 2025-11, usd: 3800}]"
	items, ok := d.list(n, field, example)
	if !ok {
		return nil
	}
	out := make([]budget.BudgetChange, 0, len(items))
	for i, item := range items {
		name := fmt.Sprintf("%s[%d]", field, i)
		if item.Kind != yaml.MappingNode {
			d.fail(item, name, "is %s (want {from: YYYY-MM, usd: N}, e.g. %s)", describe(item), example)
			continue
		}
		m := d.fields(item, name+".", "from", "usd")
		var change budget.BudgetChange
		fromOK, usdOK := false, false
		if v := d.need(m, "from", "2025-11"); v != nil {
			change.From, fromOK = d.month(v, name+".from")
		}
		if v := d.need(m, "usd", "3800"); v != nil {
			change.USD, usdOK = d.money(v, name+".usd")
		}
		if !fromOK || !usdOK {
			continue
		}
		if len(out) > 0 && !change.From.After(out[len(out)-1].From) {
			d.fail(item, name+".from", "%s does not come after %s (list the months oldest first, each once)",
				change.From.Format(monthLayout), out[len(out)-1].From.Format(monthLayout))
			continue
		}
		out = append(out, change)
	}
	return out
}

// allowances reads owners' monthly allowances: a mapping from an owner's
// email address to USD, zero or more in whole cents, each owner once.
// Whether the owner has spent in the category is the data's business, not
// the file's: an allowance may come before the first usage.
func (d *decoder) allowances(n *yaml.Node) map[string]budget.Decimal {
	const field, example = "allowances", "{first.last@novadynamics.test: 1500}"
	if n.Kind != yaml.MappingNode {
		d.fail(n, field, "is %s (want owner email addresses with their monthly USD, e.g. %s)", describe(n), example)
		return nil
	}
	out := map[string]budget.Decimal{}
	lines := map[string]int{} // owner → the line that first gave them
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		owner, ok := d.text(key, field, "an owner's email address, e.g. first.last@novadynamics.test")
		if !ok {
			continue
		}
		name := field + "." + owner
		if !plausibleEmail(owner) {
			d.fail(key, name, "%q is not an owner's email address (write it as the data names the owner, e.g. first.last@novadynamics.test)", owner)
			continue
		}
		if first, dup := lines[owner]; dup {
			d.fail(key, name, "given twice, first on line %d (keep one)", first)
			continue
		}
		lines[owner] = fileLine(key)
		if usd, ok := d.amount(value, name, false); ok {
			out[owner] = usd
		}
	}
	return out
}

func (d *decoder) policy(top mapping) budget.Policy {
	var p budget.Policy
	m, ok := d.nested(top, "policy", "{max_workers: 8, autotermination_minutes: 30, node_types: [i3.xlarge]}",
		"max_workers", "autotermination_minutes", "node_types", "allow_all_purpose", "allow_pipelines")
	if !ok {
		return p
	}
	if n := d.need(m, "max_workers", "8"); n != nil {
		p.MaxWorkers, _ = d.integer(n, "policy.max_workers", 1, 1000, "workers")
	}
	if n := d.need(m, "autotermination_minutes", "30"); n != nil {
		p.AutoterminationMinutes, _ = d.integer(n, "policy.autotermination_minutes", 10, 10080, "minutes")
	}
	if n := d.need(m, "node_types", "[i3.xlarge, i3.2xlarge]"); n != nil {
		p.NodeTypes = d.nodeTypes(n)
	}
	if n := m.values["allow_all_purpose"]; n != nil {
		p.AllowAllPurpose, _ = d.boolean(n, "policy.allow_all_purpose")
	}
	if n := m.values["allow_pipelines"]; n != nil {
		p.AllowPipelines, _ = d.boolean(n, "policy.allow_pipelines")
	}
	return p
}

func (d *decoder) nodeTypes(n *yaml.Node) []string {
	const field, example = "policy.node_types", "[i3.xlarge, i3.2xlarge]"
	items, ok := d.list(n, field, example)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.fail(n, field, "is empty (want at least one node type, e.g. %s)", example)
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		if s, ok := d.text(item, fmt.Sprintf("%s[%d]", field, i), "a cloud node type, e.g. i3.xlarge"); ok {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) onBreach(top mapping) budget.OnBreach {
	// Dry run unless the file says otherwise: acting on clusters must be an
	// explicit decision, never the consequence of a forgotten line.
	b := budget.OnBreach{DryRun: true}
	m, ok := d.nested(top, "on_breach", "{action: notify, dry_run: true}", "action", "dry_run")
	if !ok {
		return b
	}
	actions := []string{budget.ActionNotify, budget.ActionScaleDown, budget.ActionTerminate}
	if n := d.need(m, "action", budget.ActionNotify); n != nil {
		if v, ok := d.text(n, "on_breach.action", "one of "+strings.Join(actions, ", ")); ok {
			if slices.Contains(actions, v) {
				b.Action = v
			} else {
				d.fail(n, "on_breach.action", "%q is not an action (want one of %s)", v, strings.Join(actions, ", "))
			}
		}
	}
	if n := m.values["dry_run"]; n != nil {
		if v, ok := d.boolean(n, "on_breach.dry_run"); ok {
			b.DryRun = v
		}
	}
	return b
}

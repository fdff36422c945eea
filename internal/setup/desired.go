package setup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// ErrNoGroup is what a category without a group fails with: setup cannot
// grant its policies to anyone.
var ErrNoGroup = errors.New("category has no group")

// desired is what content/ asks for.
type desired struct {
	id         string // digest of everything below: the plan's identity
	categories []categoryWant
}

type categoryWant struct {
	category        budget.Category
	budgets         []budgetWant
	budgetPolicy    budgetPolicyWant
	clusterPolicies []clusterPolicyWant
}

// budgetWant is one budget: a category's threshold.
type budgetWant struct {
	Key         string   `json:"key"`
	DisplayName string   `json:"display_name"`
	Filter      []string `json:"filter"` // canonical tag value first, then the variants sorted
	Threshold   string   `json:"quantity_threshold"`
	Emails      []string `json:"emails"` // sorted
}

type budgetPolicyWant struct {
	Key       string            `json:"key"`
	Name      string            `json:"policy_name"`
	Tags      []billingTag      `json:"custom_tags"`
	Group     string            `json:"group"`
	RequestID string            `json:"-"` // derived from the plan, see requestID
	tagValues map[string]string // Tags by key
}

type billingTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Cluster types a cluster policy fixes: dlt is the clusters of classic
// Delta Live Tables pipelines.
const (
	ClusterTypeJob        = "job"
	ClusterTypeAllPurpose = "all-purpose"
	ClusterTypeDLT        = "dlt"
)

type clusterPolicyWant struct {
	Key         string                `json:"key"`
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Definition  map[string]policyRule `json:"definition"`
	Group       string                `json:"group"`
}

// policyRule is one attribute of a cluster policy definition.
type policyRule struct {
	Type       string   `json:"type"`
	Value      any      `json:"value,omitempty"`
	Values     []string `json:"values,omitempty"`
	MaxValue   int      `json:"maxValue,omitempty"`
	IsOptional *bool    `json:"isOptional,omitempty"`
}

// want computes the desired objects of every category.
func want(div budget.Division, opts Options) (desired, error) {
	if opts.AsOf.IsZero() {
		return desired{}, errors.New("plan setup: no as-of date")
	}
	// keyOf ends a key at the first space: a team with one would make keys
	// that are never found again, and every apply would create anew.
	if strings.ContainsFunc(opts.Team, unicode.IsSpace) {
		return desired{}, fmt.Errorf("plan setup: team %q: spaces are not allowed, the team is part of every object's key", opts.Team)
	}
	month := time.Date(opts.AsOf.Year(), opts.AsOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	thresholds := div.Thresholds
	if len(thresholds) == 0 {
		thresholds = []int{75, 90, 100}
	}
	var errs []error
	for tag, vs := range opts.Variants {
		for _, v := range vs {
			if budget.NormalizeTag(v) != tag {
				errs = append(errs, fmt.Errorf("plan setup: variant %q does not normalise to %s", v, tag))
			}
		}
	}
	var d desired
	for _, c := range div.Categories {
		if c.Group == "" {
			errs = append(errs, fmt.Errorf("%s: group: %w (add e.g. `group: sad-%s`, the Databricks group whose members run its work, so setup can grant it the category's policies)",
				categoryFile(c), ErrNoGroup, c.Slug))
			continue
		}
		cw := categoryWant{category: c}
		filter := filterValues(c.TagValue, opts.Variants[c.TagValue])
		emails := slices.Compact(slices.Sorted(slices.Values(c.Owners)))
		amount := c.BudgetFor(month, month)
		for _, t := range thresholds {
			k := key(opts.Team, c.Slug, fmt.Sprint(t))
			cw.budgets = append(cw.budgets, budgetWant{
				Key:         k,
				DisplayName: fit(fmt.Sprintf("%s — %s %d%%", k, c.Title, t), maxDisplayName),
				Filter:      filter,
				Threshold:   share(amount, t),
				Emails:      emails,
			})
		}
		bp := budgetPolicyWant{Key: BudgetPolicyName(opts.Team, c.Slug), Group: c.Group, Tags: []billingTag{
			{budget.CategoryTagKey, c.TagValue}, {TeamTagKey, opts.Team}, {CostCenterTagKey, opts.CostCenter},
		}}
		bp.Name = bp.Key
		bp.tagValues = map[string]string{}
		for _, t := range bp.Tags {
			bp.tagValues[t.Key] = t.Value
		}
		cw.budgetPolicy = bp
		cw.clusterPolicies = append(cw.clusterPolicies, clusterPolicy(c, opts, ClusterTypeJob))
		if c.Policy.AllowAllPurpose {
			cw.clusterPolicies = append(cw.clusterPolicies, clusterPolicy(c, opts, ClusterTypeAllPurpose))
		}
		if c.Policy.AllowPipelines {
			cw.clusterPolicies = append(cw.clusterPolicies, clusterPolicy(c, opts, ClusterTypeDLT))
		}
		d.categories = append(d.categories, cw)
	}
	if err := errors.Join(errs...); err != nil {
		return desired{}, err
	}
	d.id = d.digest()
	for i := range d.categories {
		bp := &d.categories[i].budgetPolicy
		bp.RequestID = requestID(d.id, bp.Key)
	}
	return d, nil
}

// filterValues lists the tag values a budget filters on: the canonical
// one, then each distinct variant, sorted.
func filterValues(canonical string, variants []string) []string {
	out := []string{canonical}
	rest := slices.Clone(variants)
	slices.Sort(rest)
	for _, v := range slices.Compact(rest) {
		if v != canonical {
			out = append(out, v)
		}
	}
	return out
}

// share is pct percent of amount, rounded to the cent (halves away from
// zero), as the API's decimal string.
func share(amount budget.Decimal, pct int) string {
	r := new(big.Rat).Mul(amount.Rat(), big.NewRat(int64(pct), 100))
	return r.FloatString(2)
}

// BudgetPolicyName is the name (and key) of a category's budget policy:
// how setup, and check after it, find the policy in the account.
func BudgetPolicyName(team, slug string) string {
	return key(team, slug)
}

// clusterPolicySuffix ends the key and the name of a category's policy of
// a cluster type.
var clusterPolicySuffix = map[string]string{ClusterTypeJob: "jobs", ClusterTypeAllPurpose: "all-purpose", ClusterTypeDLT: "pipelines"}

func clusterPolicy(c budget.Category, opts Options, clusterType string) clusterPolicyWant {
	suffix := clusterPolicySuffix[clusterType]
	required := false
	k := key(opts.Team, c.Slug, suffix)
	def := map[string]policyRule{
		"cluster_type":                         {Type: "fixed", Value: clusterType},
		"custom_tags." + budget.CategoryTagKey: {Type: "fixed", Value: c.TagValue},
		"custom_tags." + TeamTagKey:            {Type: "fixed", Value: opts.Team},
		"custom_tags." + CostCenterTagKey:      {Type: "fixed", Value: opts.CostCenter},
		"custom_tags." + EnvironmentTagKey:     {Type: "allowlist", Values: Environments},
		"custom_tags." + budget.OwnerTagKey:    {Type: "unlimited", IsOptional: &required},
		"num_workers":                          {Type: "range", MaxValue: c.Policy.MaxWorkers},
		"autoscale.max_workers":                {Type: "range", MaxValue: c.Policy.MaxWorkers},
		"node_type_id":                         {Type: "allowlist", Values: c.Policy.NodeTypes},
		// The driver is a node too: left open, it is the way around the
		// node type list.
		"driver_node_type_id": {Type: "allowlist", Values: c.Policy.NodeTypes},
	}
	if clusterType == ClusterTypeAllPurpose {
		// Job clusters end with their run; interactive ones must be told.
		def["autotermination_minutes"] = policyRule{Type: "fixed", Value: c.Policy.AutoterminationMinutes}
	}
	return clusterPolicyWant{
		Key:         k,
		Name:        fitTitle(opts.Team+" ", c.Title, " ("+suffix+")", maxPolicyName),
		Description: fmt.Sprintf("%s — managed by `generator setup` from %s; edit the category there", k, "content/categories/"+c.Slug+".md"),
		Definition:  def,
		Group:       c.Group,
	}
}

// Name lengths the APIs accept.
const (
	maxDisplayName = 128 // budget display_name
	maxPolicyName  = 100 // cluster policy name
)

// fit cuts s to at most max bytes at a character boundary, marking the
// cut with "…". Only the readable tail of a display name is ever cut: the
// key comes first.
func fit(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// fitTitle is prefix+title+suffix with the title cut to fit max bytes.
func fitTitle(prefix, title, suffix string, limit int) string {
	room := limit - len(prefix) - len(suffix)
	return prefix + fit(title, max(room, len("…"))) + suffix
}

// digest hashes the desired objects: the same content and options give
// the same plan id on every run.
func (d desired) digest() string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, c := range d.categories {
		// Encoding these plain structs cannot fail.
		_ = enc.Encode(c.budgets)
		_ = enc.Encode(c.budgetPolicy)
		_ = enc.Encode(c.clusterPolicies)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// requestID derives the budget policy create request id from the plan and
// the policy's key: a retry of the same plan reuses it, so the account
// creates the policy once. The API takes at most 36 ASCII characters; the
// id is shaped as a UUID (version 8, RFC 9562: custom).
func requestID(planID, key string) string {
	sum := sha256.Sum256([]byte("budget-policy-create\x00" + planID + "\x00" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return strings.Join([]string{x[:8], x[8:12], x[12:16], x[16:20], x[20:]}, "-")
}

// budgetFilter is the API filter for a budget's tag values.
func budgetFilter(values []string) *billing.BudgetConfigurationFilter {
	return &billing.BudgetConfigurationFilter{Tags: []billing.BudgetConfigurationFilterTagClause{{
		Key:   budget.CategoryTagKey,
		Value: &billing.BudgetConfigurationFilterClause{Operator: billing.BudgetConfigurationFilterOperatorIn, Values: slices.Clone(values)},
	}}}
}

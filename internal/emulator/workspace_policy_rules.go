package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/compute"
)

// policyRule is one attribute's rule in a policy definition (the
// definition is a JSON object from attribute path to rule).
type policyRule struct {
	Type         string   `json:"type"`
	Value        any      `json:"value"`
	Values       []any    `json:"values"`
	Pattern      string   `json:"pattern"`
	MinValue     *float64 `json:"minValue"`
	MaxValue     *float64 `json:"maxValue"`
	DefaultValue any      `json:"defaultValue"`
	IsOptional   bool     `json:"isOptional"`
	Hidden       bool     `json:"hidden"`
}

// parseDefinition parses and validates a policy definition the way the
// real service does before it stores one.
func parseDefinition(def string) (map[string]policyRule, error) {
	rules := map[string]policyRule{}
	if def == "" {
		return rules, nil
	}
	if err := json.Unmarshal([]byte(def), &rules); err != nil {
		return nil, fmt.Errorf("policy definition is not a JSON object of attribute rules: %v", err)
	}
	for path, r := range rules {
		var problem string
		switch r.Type {
		case "fixed":
			if r.Value == nil {
				problem = "a fixed rule needs a value"
			}
		case "allowlist", "blocklist":
			if len(r.Values) == 0 {
				problem = "an " + r.Type + " rule needs values"
			}
		case "regex":
			if _, err := regexp.Compile(r.Pattern); r.Pattern == "" || err != nil {
				problem = "a regex rule needs a valid pattern"
			}
		case "range":
			if (r.MinValue == nil && r.MaxValue == nil) || (r.MinValue != nil && r.MaxValue != nil && *r.MinValue > *r.MaxValue) {
				problem = "a range rule needs minValue <= maxValue"
			}
		case "forbidden", "unlimited":
		default:
			problem = fmt.Sprintf("unknown rule type %q", r.Type)
		}
		if path == "" {
			problem = "empty attribute path"
		}
		if problem != "" {
			return nil, fmt.Errorf("policy definition, attribute %q: %s", path, problem)
		}
	}
	return rules, nil
}

// clusterType is the policy attribute cluster_type of a cluster's source.
func clusterType(src compute.ClusterSource) string {
	switch src {
	case compute.ClusterSourceJob:
		return "job"
	case compute.ClusterSourcePipeline, compute.ClusterSourcePipelineMaintenance:
		return "dlt"
	}
	return "all-purpose"
}

// clusterAttributes flattens a cluster into policy attribute paths. An
// autotermination of 0 counts as unset, so that a fixed or default value
// fills it as it does when a request leaves it out.
func clusterAttributes(d compute.ClusterDetails) map[string]any {
	a := map[string]any{"cluster_type": clusterType(d.ClusterSource)}
	set := func(path, v string) {
		if v != "" {
			a[path] = v
		}
	}
	set("spark_version", d.SparkVersion)
	set("node_type_id", d.NodeTypeId)
	set("driver_node_type_id", d.DriverNodeTypeId)
	set("data_security_mode", string(d.DataSecurityMode))
	set("runtime_engine", string(d.RuntimeEngine))
	set("instance_pool_id", d.InstancePoolId)
	set("single_user_name", d.SingleUserName)
	if d.AutoterminationMinutes != 0 {
		a["autotermination_minutes"] = float64(d.AutoterminationMinutes)
	}
	if d.Autoscale != nil {
		a["autoscale.min_workers"] = float64(d.Autoscale.MinWorkers)
		a["autoscale.max_workers"] = float64(d.Autoscale.MaxWorkers)
	} else {
		a["num_workers"] = float64(d.NumWorkers)
	}
	for k, v := range d.CustomTags {
		a["custom_tags."+k] = v
	}
	for k, v := range d.SparkConf {
		a["spark_conf."+k] = v
	}
	for k, v := range d.SparkEnvVars {
		a["spark_env_vars."+k] = v
	}
	return a
}

// fillAttribute sets an unset attribute to a policy's fixed or default
// value; it reports false for attributes the emulator does not fill.
func fillAttribute(d *compute.ClusterDetails, path string, v any) bool {
	text := fmt.Sprint(v)
	if tag, ok := strings.CutPrefix(path, "custom_tags."); ok {
		// Stored maps are never changed in place (answers read them
		// outside the lock), so copy before adding.
		d.CustomTags = maps.Clone(d.CustomTags)
		if d.CustomTags == nil {
			d.CustomTags = map[string]string{}
		}
		d.CustomTags[tag] = text
		return true
	}
	switch path {
	case "autotermination_minutes":
		n, err := strconv.Atoi(text)
		d.AutoterminationMinutes = n
		return err == nil
	case "spark_version":
		d.SparkVersion = text
	case "node_type_id":
		d.NodeTypeId = text
	case "driver_node_type_id":
		d.DriverNodeTypeId = text
	case "data_security_mode":
		d.DataSecurityMode = compute.DataSecurityMode(text)
	default:
		return false
	}
	return true
}

// sameValue compares a cluster attribute with a value from a definition;
// numbers compare as numbers whatever their JSON spelling.
func sameValue(a, b any) bool {
	fa, aNum := toNumber(a)
	fb, bNum := toNumber(b)
	if aNum && bNum {
		return fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func toNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

// enforce fills the values the policy fixes or defaults and checks the
// cluster against every rule. It returns what is wrong, in attribute
// order, or "".
func (p *policyRecord) enforce(d *compute.ClusterDetails) string {
	paths := slices.Sorted(maps.Keys(p.rules))
	attrs := clusterAttributes(*d)
	for _, path := range paths {
		r := p.rules[path]
		if _, set := attrs[path]; set {
			continue
		}
		fill := r.DefaultValue
		if r.Type == "fixed" {
			fill = r.Value
		}
		if fill != nil && fillAttribute(d, path, fill) {
			attrs[path] = fill
		}
	}
	var problems []string
	for _, path := range paths {
		if msg := p.rules[path].judge(attrs[path]); msg != "" {
			problems = append(problems, "Validation failed for "+path+", "+msg)
		}
	}
	return strings.Join(problems, "; ")
}

// judgeWorkers checks only a cluster's size against the policy: what a
// resize changes.
func (p *policyRecord) judgeWorkers(d compute.ClusterDetails) string {
	attrs := clusterAttributes(d)
	var problems []string
	for _, path := range []string{"autoscale.max_workers", "autoscale.min_workers", "num_workers"} {
		r, ok := p.rules[path]
		if !ok {
			continue
		}
		if msg := r.judge(attrs[path]); msg != "" {
			problems = append(problems, "Validation failed for "+path+", "+msg)
		}
	}
	return strings.Join(problems, "; ")
}

// judge checks one attribute value (nil when unset) against the rule and
// says what is wrong, or "".
func (r policyRule) judge(v any) string {
	if v == nil {
		switch {
		case r.Type == "forbidden", r.Type == "range", r.Type == "blocklist", r.IsOptional:
			return ""
		case r.Type == "fixed":
			return fmt.Sprintf("the value must be %v", r.Value)
		}
		return "the value must be present"
	}
	switch r.Type {
	case "fixed":
		if !sameValue(v, r.Value) {
			return fmt.Sprintf("the value must be %v (is %v)", r.Value, v)
		}
	case "forbidden":
		return "the attribute is forbidden"
	case "allowlist":
		if !slices.ContainsFunc(r.Values, func(a any) bool { return sameValue(v, a) }) {
			return fmt.Sprintf("the value must be one of %v (is %v)", r.Values, v)
		}
	case "blocklist":
		if slices.ContainsFunc(r.Values, func(a any) bool { return sameValue(v, a) }) {
			return fmt.Sprintf("the value must not be one of %v (is %v)", r.Values, v)
		}
	case "regex":
		if !regexp.MustCompile("^(?:" + r.Pattern + ")$").MatchString(fmt.Sprint(v)) {
			return fmt.Sprintf("the value must match %s (is %v)", r.Pattern, v)
		}
	case "range":
		n, ok := toNumber(v)
		switch {
		case !ok:
			return fmt.Sprintf("the value must be a number (is %v)", v)
		case r.MinValue != nil && n < *r.MinValue:
			return fmt.Sprintf("the value must be at least %v (is %v)", *r.MinValue, v)
		case r.MaxValue != nil && n > *r.MaxValue:
			return fmt.Sprintf("the value must be at most %v (is %v)", *r.MaxValue, v)
		}
	}
	return ""
}

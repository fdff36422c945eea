// Package copilot is the budget copilot's three tools, shared by the agent
// function, its Model Context Protocol twin and `generator agent run`:
// predict_cost (an owner's or a category's month end and next days, with
// and without a what-if), scale_cluster (resize or terminate a cluster
// within its category's rules) and slack_alert (post to a channel).
//
// A call is a Request {"tool", "request_id", "arguments"}. The role a tool
// needs (RoleFor) is decided from its name before its arguments are read;
// the arguments are then decoded strictly (gate.Decode: 400 for what is not
// JSON or carries unknown fields) and checked (422 for what the tool will
// not do: a horizon outside 1-90 days, both an owner and a category, a
// cluster change that names no cluster or both a size and terminate).
//
// The alert webhook's decisions are OnBreach's, and `generator agent run`
// is Service.Run: every owner's 30-day burn in each category against
// their share of its budget (dailyrun.go says how the share is set), with
// a Slack post and a scale-down for those over it. All of them record
// each decision in the trail before acting, under a once-only key.
package copilot

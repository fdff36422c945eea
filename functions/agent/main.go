// Command agent is the budget copilot's function: predict_cost,
// scale_cluster and slack_alert (internal/copilot), configured from the
// environment (internal/fnenv) and served on AWS Lambda as Netlify runs Go
// functions.
package main

import (
	"github.com/novadynamics/stellar-budget/internal/fnenv"
)

func main() { fnenv.Main("agent", fnenv.Agent) }

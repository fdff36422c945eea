// Command mcp serves the budget copilot's tools (predict_cost,
// scale_cluster, slack_alert) over the Model Context Protocol, streamable
// HTTP and stateless (internal/mcpserver), configured from the environment
// (internal/fnenv) and served on AWS Lambda as Netlify runs Go functions.
package main

import (
	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/mcpserver"
)

func main() { fnenv.Main("mcp", mcpserver.FromEnv) }

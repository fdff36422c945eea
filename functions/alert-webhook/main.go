// Command alert-webhook acts on budget alerts: Databricks SQL alert
// webhooks and the generator's own signed events, each mapped to its
// category and handled as the category's on_breach says (internal/copilot),
// configured from the environment (internal/fnenv) and served on AWS
// Lambda as Netlify runs Go functions.
package main

import (
	"github.com/novadynamics/stellar-budget/internal/fnenv"
)

func main() { fnenv.Main("alert-webhook", fnenv.AlertWebhook) }

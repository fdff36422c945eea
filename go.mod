module github.com/novadynamics/stellar-budget

go 1.26.8

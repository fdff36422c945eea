package budget

import "testing"

func TestNormalizeTag(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DEEP_SPACE_TELEMETRY", "DEEP_SPACE_TELEMETRY"},
		{"  deep space telemetry ", "DEEP_SPACE_TELEMETRY"},
		{"Deep-Space_Telemetry", "DEEP_SPACE_TELEMETRY"},
		{"deep--space", "DEEP__SPACE"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := NormalizeTag(tc.in); got != tc.want {
			t.Errorf("NormalizeTag(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

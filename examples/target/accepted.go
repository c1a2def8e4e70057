package target

// What the example accepts of the gates beyond the target's own
// (gates/suppressions.go, gates/control-tower-exceptions.json), and why:
// all of it is the log bucket's. test/example_test.go fails on anything
// else, and on any of these the stack no longer shows.

// AcceptedNag are cdk-nag findings, by rule and construct path.
var AcceptedNag = map[string]string{
	"AwsSolutions-S1 Logs/Resource": "The bucket holds CloudFront's access logs; logging the log bucket's own accesses to another bucket is the next bucket's question, not the example's",
}

// AcceptedControls are Control Tower controls the log bucket fails.
var AcceptedControls = map[string]string{
	"CT.S3.PR.2":  "The bucket is the log bucket: its own access logs would need another",
	"CT.S3.PR.4":  "Nothing reacts to a new log file; event notifications would have no target",
	"CT.S3.PR.9":  "Object Lock keeps logs beyond the 90-day expiry the bucket sets; a copy that must keep them for audit should turn it on",
	"CT.S3.PR.10": "S3-managed keys: the log delivery writes without a key policy to manage; a copy under a KMS mandate adds a customer managed key that lets CloudFront's delivery use it",
}

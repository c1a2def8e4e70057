package spec

import "time"

// InstanceType is the one EC2 instance type the game allows.
const InstanceType = "m5.large"

// Tags every fix set puts on the service's instances or tasks, so chaos
// experiments find them before and after the move to Fargate.
const (
	GameTag        = "unicorn-rentals:game"
	GameTagValue   = "gameday"
	ComponentTag   = "unicorn-rentals:component"
	ComponentValue = "hash-service"
)

// ChaosStackName is the chaos stack's name beside a game stack.
func ChaosStackName(gameStack string) string { return gameStack + "-Chaos" }

// ErrorRateAlarmExport is the export name of the game stack's error-rate
// alarm, which stops the chaos experiments.
func ErrorRateAlarmExport(gameStack string) string { return gameStack + "-ErrorRateAlarmArn" }

// ChaosSchedule starts the monkey's experiments at intervals during the
// game window. Off by default.
type ChaosSchedule struct {
	Enabled  bool          // context "chaosSchedule" (on/off)
	Interval time.Duration // context "chaosInterval", default 20m, at least 5m
	Start    time.Time     // context "chaosStart", RFC 3339; required when enabled
	Duration time.Duration // context "chaosDuration", default 4h
}

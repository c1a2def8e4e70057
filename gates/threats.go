package gates

// Threat is one way the facilitator stack, its board and workers, or the
// roles in the teams' accounts could be abused, the control that stops
// it, and the test that proves the control (a test function's name; a
// test checks that each exists).
type Threat struct {
	Threat, Control string
	Tests           []string
}

// FacilitatorThreats are the threats to the facilitator stack and the
// cross-account roles, as a hostile team and a careless operator would
// probe them: docs/security-review.md lists them.
var FacilitatorThreats = []Threat{
	{"A stolen worker token ends the game, moves endpoints or forges notes",
		"Three credentials: control, workers', none for reading. The workers' token leases and reports only; every other call refuses it (401), and the control token cannot lease or report",
		[]string{"TestEachTokenOpensOnlyItsOwnCalls"}},
	{"A token read off the network: between CloudFront and the board's load balancer (HTTP inside the VPC), or the workers' calls",
		"No token is sent: ctl, the workers and the page sign each call with an Ed25519 key made from the token, over the method, path, time, a nonce and the body's hash; a bearer token is refused",
		[]string{"TestASignedCallIsTakenOnceAsSignedAndInTime", "TestThePageShowsTheTeamsAndTheChartMovesInHeadlessChromium"}},
	{"A captured call sent again, changed on the way, or kept for later",
		"The nonce is kept for the window and refused the second time; a changed body or path fails the signature; a call signed 5 minutes off the board's clock is refused, naming the clock",
		[]string{"TestASignedCallIsTakenOnceAsSignedAndInTime"}},
	{"The board's database (an EFS backup, a copied file) read for the tokens",
		"The board keeps the tokens' public keys only; a new game's tokens are shown once; a token an older board stored in clear becomes its key and is dropped from the record at start",
		[]string{"TestTheDatabaseHoldsKeysNotTokens", "TestAKilledBoardResumesWithItsTotalsIntact"}},
	{"The page's viewers sent over HTTP, or ctl sending its call in clear or after a redirect",
		"The scoreboard's distribution is HTTPS-only; ctl refuses http:// to a host other than loopback and follows no redirect",
		[]string{"TestTheBoardIsOneWriterOnEFSAndTheWorkersAreSizedForTheTeams", "TestBadInputGetsAClearError", "TestCtlFollowsNoRedirect"}},
	{"Forged minute reports: negative counts, chosen points, non-finite sums, future minutes",
		"The board checks every count (finite, non-negative, tiers adding up, within the minute's questions) and scores with its own rules; only the open minute or the one just closed, once, from the team's holder",
		[]string{"TestAReportedMinuteIsCheckedAndScoredByTheRules", "TestAReportIsKeptOnceFromItsHolderWhileTheMinuteIsOpen", "TestAMinuteIsKeptOnceAndOnlyFromTheTeamsWorker"}},
	{"A worker that renews its lease and never reports, holding its teams for good",
		"Past the grace, its teams go to a worker that reports, with an event on the page",
		[]string{"TestASilentWorkerLosesItsTeamsToOneThatReports"}},
	{"ctl cost naming a file on the board's machine (/etc/passwd, /proc/self/environ, /dev/zero)",
		"ctl reads the template on the facilitator's machine and uploads its content (1 MiB at most); the board refuses a path",
		[]string{"TestBadInputGetsAClearError", "TestAGameResumesFromAnyFolder"}},
	{"An endpoint aimed at the metadata service or the board's own machine",
		"Endpoints are http(s) only, never link-local or metadata addresses; a board listening beyond loopback refuses loopback endpoints",
		[]string{"TestAMalformedTeamsFileIsRefusedWithTheLineAtFault", "TestARemoteBoardRefusesEndpointsOnItsOwnMachine"}},
	{"Input that spins the board or breaks a file: --speed NaN, a cost of 1e308, a failed deploy over teams.txt",
		"Speed, rates and costs finite and in range; every file the commands write is written whole or not at all",
		[]string{"TestASetupIsValidatedOnceWithEachProblemNamed", "TestAFileIsWrittenWholeOrNotAtAll"}},
	{"The board made to assume another team's role (the confused deputy)",
		"Each team's roles trust the facilitator's account only with the team's own ExternalId, which accounts deploy makes and the teams file carries, and only as the facilitator stack's roles (or the boardRole given)",
		[]string{"TestTheBillReaderRoleIsReadOnly", "TestTheStarterRoleStartsOnlyTheGamesExperiments", "TestTheRoleIsAssumedWithTheTeamsExternalID"}},
	{"The bill's role used to change a team's account",
		"The BillReader role allows the bill's Describe, List and Get calls and reading the chaos stack's outputs, nothing else; starting experiments is the chaos stack's starter role's",
		[]string{"TestTheBillReaderRoleIsReadOnly", "TestTheBillMakesOnlyTheCallsItsRoleAllows"}},
	{"The starter role used for anything but the game's experiments",
		"Every FIS call needs the game's tag on the template or experiment, or in the request; it passes only the chaos stack's FIS role, to FIS only",
		[]string{"TestTheStarterRoleStartsOnlyTheGamesExperiments", "TestTheMonkeyStartsFollowsAndTidiesAnExperiment"}},
	{"Chaos beyond the game: another VPC's network, other instances or tasks",
		"The network calls are held to the game's VPC (ec2:Vpc, the game stack's export); instances and tasks take no VPC condition, so each experiment's targets are fixed at start, found in the game's VPC",
		[]string{"TestTheFISRoleCutsOnlyTheGamesVPC", "TestTheMonkeyFindsItsTargetsInTheStacksVPC"}},
	{"An experiment that runs on with nobody watching",
		"Every action ends by itself (the outage after its duration, at most 30 minutes) and the board stops an experiment still running 2 minutes past it",
		[]string{"TestTheMonkeyStartsFollowsAndTidiesAnExperiment", "TestScenarioEventsAreChecked"}},
	{"A team's token used to read another team's page, move another team, award itself or stop the game",
		"Each team's token opens its own page and its own proposals, nothing else; a proposed endpoint must answer fresh questions right, and for a team billed live be one of its own account's distributions or load balancers",
		[]string{"TestATeamsTokenOpensItsPageAndNothingElse", "TestAProposedEndpointIsCheckedThenMovedAtTheNextMinute", "TestALiveTeamProposesOnlyItsOwnHosts"}},
	{"A team breaks the rules from its console: another instance type or region, the bill's role or the chaos stack changed, CloudTrail stopped, answers from a function instead of the service",
		"The players' guardrail, a managed policy of denies in every game stack (or the same rules as an SCP), attached to the players' role",
		[]string{"TestTheGuardrailDeniesWhatTheRulesForbidAndNothingElse", "TestTheGuardrailsRulesArePublishedAsEnforced"}},
	{"The board's own role used to assume roles anywhere",
		"It may assume only roles tagged unicorn-rentals:role (bill-reader, chaos-starter) in the teams' accounts listed in its teams file",
		[]string{"TestTheBoardAssumesOnlyTheGamesRolesInTheTeamsAccounts"}},
}

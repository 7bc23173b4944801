// The embody command line: thin commands over EmbodyRuntime, in the EmbodyCommandLine library.
//
// Exit codes: 0 success; 1 invalid input; 2 the scenario's success criteria failed, or replay diverged;
// 3 internal error.
//
// This program registers no Swift controllers of its own, so it refuses `controller: { type: custom }`; a
// program that registers some and then calls `EmbodyCLI.main()` runs them (docs/controllers-in-swift.md).

import EmbodyCommandLine

EmbodyCLI.main()

// composecheck loads a Compose file the way `docker compose config` does (compose-go: the
// Compose Specification's schema, interpolation, references between services) and prints
// the resolved model as JSON, or the first error and exit status 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: composecheck docker-compose.yml")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions([]string{os.Args[1]}, cli.WithOsEnv, cli.WithName("check"))
	if err == nil {
		var project interface{}
		project, err = options.LoadProject(context.Background())
		if err == nil {
			out, _ := json.MarshalIndent(project, "", " ")
			fmt.Println(string(out))
			return
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

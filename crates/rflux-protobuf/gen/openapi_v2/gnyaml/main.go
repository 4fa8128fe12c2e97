// Reads a JSON array; prints, as a JSON array, each element rendered the way
// gnostic (yaml.v3) renders a vendor extension parsed from JSON.
package main

import (
	"encoding/json"
	"io/ioutil"
	"os"

	yaml3 "gopkg.in/yaml.v3"
)

func clearStyle(n *yaml3.Node) {
	n.Style = 0
	for _, c := range n.Content {
		clearStyle(c)
	}
}

func main() {
	b, _ := ioutil.ReadAll(os.Stdin)
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		panic(err)
	}
	out := []string{}
	for _, it := range items {
		var n yaml3.Node
		if err := yaml3.Unmarshal(it, &n); err != nil {
			out = append(out, "ERROR "+err.Error())
			continue
		}
		in := n.Content[0]
		clearStyle(in)
		y, err := yaml3.Marshal(in)
		if err != nil {
			out = append(out, "ERROR "+err.Error())
			continue
		}
		out = append(out, string(y))
	}
	j, _ := json.Marshal(out)
	os.Stdout.Write(j)
}

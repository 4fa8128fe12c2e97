// Reference encoder: gnostic 0.2.0 builds the Document (yaml.v2), then each
// Any.Yaml is re-rendered the way current gnostic does (yaml.v3 node, styles
// cleared, yaml.v3 Marshal), then proto.Marshal.
package main

import (
	"io/ioutil"
	"os"
	"reflect"

	"github.com/golang/protobuf/proto"
	openapi_v2 "github.com/googleapis/gnostic/openapiv2"
	yaml3 "gopkg.in/yaml.v3"
)

func clearStyle(n *yaml3.Node) {
	n.Style = 0
	for _, c := range n.Content {
		clearStyle(c)
	}
}

func rerender(s string) string {
	var n yaml3.Node
	if err := yaml3.Unmarshal([]byte(s), &n); err != nil {
		panic(err)
	}
	in := &n
	if n.Kind == yaml3.DocumentNode && len(n.Content) == 1 {
		in = n.Content[0]
	}
	clearStyle(in)
	b, err := yaml3.Marshal(in)
	if err != nil {
		panic(err)
	}
	return string(b)
}

var anyType = reflect.TypeOf(&openapi_v2.Any{})

func walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return
		}
		if v.Type() == anyType {
			a := v.Interface().(*openapi_v2.Any)
			a.Yaml = rerender(a.Yaml)
			return
		}
		walk(v.Elem())
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).PkgPath != "" {
				continue
			}
			walk(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			walk(v.Index(i))
		}
	}
}

func main() {
	b, err := ioutil.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	doc, err := openapi_v2.ParseDocument(b)
	if err != nil {
		os.Stderr.WriteString("gnostic: " + err.Error() + "\n")
		os.Exit(1)
	}
	walk(reflect.ValueOf(doc))
	out, err := proto.Marshal(doc)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(out)
}

// Only comments here.
// want: line 4, column 1: no pipeline { ... } block: only declarative Jenkinsfiles can be imported
// field: spec.definition

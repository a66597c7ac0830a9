pipeline {
    agent any
    parameters { string(name: 'X') }
    stages {
        stage("build ${params.X}") { steps { sh 'a' } }
    }
}
// want: line 5, column 22: a stage's name cannot use ${...}
// field: spec.definition.stages[0].name

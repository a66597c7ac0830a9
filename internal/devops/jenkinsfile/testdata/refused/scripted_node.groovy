node {
    stage('build') {
        sh 'make'
    }
}
// want: line 1, column 1: scripted pipelines (node { ... }) are not supported: only declarative Jenkinsfiles (pipeline { ... }) can be imported
// field: spec.definition

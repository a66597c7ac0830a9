pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                junit 'reports/*.xml'
            }
        }
    }
}
// want: line 6, column 17: step "junit" is not supported (supported: sh, echo, checkout scm, git, input, archiveArtifacts, timeout, retry, dir, withCredentials)
// field: spec.definition.stages[0].steps[0]

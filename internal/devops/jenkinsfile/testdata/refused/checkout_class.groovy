pipeline {
    agent any
    stages {
        stage('s') {
            steps {
                checkout([$class: 'GitSCM', branches: [[name: 'main']]])
            }
        }
    }
}
// want: line 6, column 17: only checkout scm is supported (the pipeline's source at the run's revision)
// field: spec.definition.stages[0].steps[0]

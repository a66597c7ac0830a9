pipeline {
    agent any
    environment {
        TAG = "build-${env.BUILD_NUMBER}"
    }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 4, column 22: ${env.BUILD_NUMBER}: BUILD_NUMBER is not a variable set earlier in the Jenkinsfile nor a parameter (Jenkins' own variables are not imported)
// field: spec.definition.environment[0]

// Environment values: earlier variables are put in, parameters stay for the run.
pipeline {
    agent any
    parameters {
        string(name: 'VERSION', defaultValue: '1.0')
    }
    environment {
        REGISTRY = 'registry.local'
        IMAGE = "$REGISTRY/app"
        TAG = "${IMAGE}:${params.VERSION}"
        TOKEN = credentials('registry-token')
    }
    stages {
        stage('push') {
            environment {
                FULL = "${env.TAG}-${VERSION}"
                IMAGE = 'overridden'
                AGAIN = "${IMAGE}"
            }
            steps {
                sh "push ${FULL} with \$TOKEN"
                withCredentials([string(credentialsId: 'other', variable: 'TOKEN')]) {
                    sh 'inner $TOKEN'
                }
            }
        }
    }
}

pipeline {
    agent any
    parameters {
        choice(name: 'ENV', choices: ['dev', 'prod'])
    }
    environment {
        MODE = 'fast'
    }
    stages {
        stage('main only') {
            when { branch 'main' }
            steps { sh 'true' }
        }
        stage('releases') {
            when {
                beforeAgent true
                branch pattern: 'release-*'
            }
            steps { sh 'true' }
        }
        stage('exact') {
            when { branch pattern: 'feature/[x]*', comparator: 'EQUALS' }
            steps { sh 'true' }
        }
        stage('env') {
            when { environment name: 'MODE', value: 'fast' }
            steps { sh 'true' }
        }
        stage('param') {
            when {
                expression {
                    params.ENV == "prod"
                }
            }
            steps { sh 'true' }
        }
        stage('all') {
            when {
                branch 'main'
                environment name: 'MODE', value: 'fast'
                expression { params.ENV == 'dev' }
            }
            steps { sh 'true' }
        }
    }
}

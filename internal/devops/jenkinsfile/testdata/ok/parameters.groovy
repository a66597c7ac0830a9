pipeline {
    agent any
    parameters {
        string(name: 'VERSION', defaultValue: '1.0', description: 'Version', trim: true)
        string name: 'SHORT'
        text(name: 'BODY', defaultValue: '''multi
line''')
        booleanParam(name: 'FORCE', defaultValue: false)
        booleanParam(name: 'QUIET')
        choice(name: 'ARCH', choices: 'amd64\narm64\n', description: 'CPU')
        choice(
            name: 'OS',
            choices: [
                'linux',
                'darwin',
            ],
        )
    }
    stages {
        stage('show') {
            steps {
                echo "Version ${params.VERSION} on ${params.OS}/${params.ARCH}"
                sh 'echo "$VERSION"'
            }
        }
    }
}

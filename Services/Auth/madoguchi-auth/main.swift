import AuthService
import ServiceKit

await ServiceCommand<AuthService>.start()

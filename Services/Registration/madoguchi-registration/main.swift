import RegistrationService
import ServiceKit

await ServiceCommand<RegistrationService>.start()

import LinkingService
import ServiceKit

await ServiceCommand<LinkingService>.start()

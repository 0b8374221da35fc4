import BillingService
import ServiceKit

await ServiceCommand<BillingService>.start()

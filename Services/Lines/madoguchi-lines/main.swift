import LinesService
import ServiceKit

await ServiceCommand<LinesService>.start()

import MadoctlCommands
import ServiceKit

await Madoctl.start()
